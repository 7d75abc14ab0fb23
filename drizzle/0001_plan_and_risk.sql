CREATE TABLE "promotion_items" (
	"promotion_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	CONSTRAINT "promotion_items_promotion_id_item_id_pk" PRIMARY KEY("promotion_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "promotion_stores" (
	"promotion_id" integer NOT NULL,
	"store_id" integer NOT NULL,
	CONSTRAINT "promotion_stores_promotion_id_store_id_pk" PRIMARY KEY("promotion_id","store_id")
);
--> statement-breakpoint
CREATE TABLE "promotions" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text NOT NULL,
	"name" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"uplift" real,
	"all_stores" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "promotions_externalId_unique" UNIQUE("external_id"),
	CONSTRAINT "promotions_dates" CHECK ("promotions"."end_date" >= "promotions"."start_date"),
	CONSTRAINT "promotions_uplift" CHECK ("promotions"."uplift" is null or "promotions"."uplift" > 0)
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"store_id" integer NOT NULL,
	"id" serial NOT NULL,
	"item_id" integer NOT NULL,
	"reference" text NOT NULL,
	"quantity" integer NOT NULL,
	"expected_date" date NOT NULL,
	"status" text DEFAULT 'expected' NOT NULL,
	"received_quantity" integer,
	"received_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deliveries_store_id_id_pk" PRIMARY KEY("store_id","id"),
	CONSTRAINT "deliveries_quantity" CHECK ("deliveries"."quantity" > 0),
	CONSTRAINT "deliveries_status" CHECK ("deliveries"."status" in ('expected', 'received', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "stock_risks" (
	"store_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"advertised" boolean NOT NULL,
	"promotion_id" integer,
	"promotion_end" date,
	"on_hand" integer NOT NULL,
	"projected_stockout_date" date,
	"days_of_cover" real NOT NULL,
	"probability_before_promotion_end" real,
	"probability_before_next_delivery" real,
	"probability_within_horizon" real NOT NULL,
	"quantity_to_last_promotion" integer,
	"next_delivery_date" date,
	"next_delivery_quantity" integer,
	"probability" real NOT NULL,
	"model_method" text NOT NULL,
	"stock_observed_at" timestamp with time zone NOT NULL,
	"sales_through" date,
	CONSTRAINT "stock_risks_store_id_item_id_pk" PRIMARY KEY("store_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "sweep_state" (
	"name" text PRIMARY KEY NOT NULL,
	"last_started_at" timestamp with time zone NOT NULL,
	"last_full_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "daily_sales" ADD COLUMN "stockout" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "promotion_items" ADD CONSTRAINT "promotion_items_promotion_id_promotions_id_fk" FOREIGN KEY ("promotion_id") REFERENCES "public"."promotions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_items" ADD CONSTRAINT "promotion_items_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_stores" ADD CONSTRAINT "promotion_stores_promotion_id_promotions_id_fk" FOREIGN KEY ("promotion_id") REFERENCES "public"."promotions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_stores" ADD CONSTRAINT "promotion_stores_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_risks" ADD CONSTRAINT "stock_risks_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_risks" ADD CONSTRAINT "stock_risks_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "promotion_items_item_idx" ON "promotion_items" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "promotion_stores_store_idx" ON "promotion_stores" USING btree ("store_id");--> statement-breakpoint
CREATE INDEX "promotions_dates_idx" ON "promotions" USING btree ("end_date","start_date");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_reference_uq" ON "deliveries" USING btree ("store_id","reference","item_id");--> statement-breakpoint
CREATE INDEX "deliveries_open_idx" ON "deliveries" USING btree ("store_id","item_id","expected_date") WHERE "deliveries"."status" = 'expected';--> statement-breakpoint
CREATE INDEX "stock_risks_rank_idx" ON "stock_risks" USING btree ("store_id","probability");