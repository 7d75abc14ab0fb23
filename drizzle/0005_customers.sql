CREATE TABLE "rain_checks" (
	"id" serial NOT NULL,
	"store_id" integer NOT NULL,
	"code" text NOT NULL,
	"item_id" integer NOT NULL,
	"promotion_id" integer NOT NULL,
	"promotion_external_id" text NOT NULL,
	"promotion_name" text NOT NULL,
	"subscription_id" integer,
	"email" text,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"redeemed_at" timestamp with time zone,
	"redeemed_by" text,
	CONSTRAINT "rain_checks_store_id_id_pk" PRIMARY KEY("store_id","id")
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_limits_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE TABLE "restock_watches" (
	"store_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"available" boolean NOT NULL,
	"restock_seq" integer DEFAULT 0 NOT NULL,
	"restocked_at" timestamp with time zone,
	"last_wave_at" timestamp with time zone,
	"checked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "restock_watches_store_id_item_id_pk" PRIMARY KEY("store_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" serial NOT NULL,
	"store_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"email" text NOT NULL,
	"restock" boolean NOT NULL,
	"deals" boolean NOT NULL,
	"stay_subscribed" boolean DEFAULT false NOT NULL,
	"request_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"end_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"last_restock_seq" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "subscriptions_store_id_id_pk" PRIMARY KEY("store_id","id"),
	CONSTRAINT "subscriptions_status" CHECK ("subscriptions"."status" in ('pending', 'active', 'ended')),
	CONSTRAINT "subscriptions_end_reason" CHECK ("subscriptions"."end_reason" is null or "subscriptions"."end_reason" in ('unsubscribed', 'notified', 'expired', 'suppressed')),
	CONSTRAINT "subscriptions_wants" CHECK ("subscriptions"."restock" or "subscriptions"."deals")
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"email_hash" text PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rain_checks" ADD CONSTRAINT "rain_checks_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rain_checks" ADD CONSTRAINT "rain_checks_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restock_watches" ADD CONSTRAINT "restock_watches_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restock_watches" ADD CONSTRAINT "restock_watches_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rain_checks_code_idx" ON "rain_checks" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "rain_checks_once_idx" ON "rain_checks" USING btree ("subscription_id","promotion_id");--> statement-breakpoint
CREATE INDEX "rain_checks_email_idx" ON "rain_checks" USING btree ("email");--> statement-breakpoint
CREATE INDEX "rate_limits_window_idx" ON "rate_limits" USING btree ("window_start");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_id_idx" ON "subscriptions" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_one_live_idx" ON "subscriptions" USING btree ("store_id","item_id","email") WHERE "subscriptions"."status" <> 'ended';--> statement-breakpoint
CREATE INDEX "subscriptions_queue_idx" ON "subscriptions" USING btree ("store_id","item_id","status","created_at");--> statement-breakpoint
CREATE INDEX "subscriptions_request_idx" ON "subscriptions" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "subscriptions_email_idx" ON "subscriptions" USING btree ("email");