ALTER TABLE "promotions" ADD COLUMN "advertised_price" text;--> statement-breakpoint
ALTER TABLE "rain_checks" ADD COLUMN "promotion_start" date;--> statement-breakpoint
ALTER TABLE "rain_checks" ADD COLUMN "promotion_end" date;--> statement-breakpoint
ALTER TABLE "rain_checks" ADD COLUMN "advertised_price" text;--> statement-breakpoint
ALTER TABLE "rain_checks" ADD COLUMN "valid_from" timestamp with time zone;