CREATE TABLE "stock_receipts" (
	"store_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"receipt_date" date NOT NULL,
	"units" integer NOT NULL,
	"on_hand_after" integer,
	"source" text NOT NULL,
	"batch_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_receipts_store_id_item_id_receipt_date_pk" PRIMARY KEY("store_id","item_id","receipt_date"),
	CONSTRAINT "stock_receipts_source" CHECK ("stock_receipts"."source" in ('observed', 'delivery')),
	CONSTRAINT "stock_receipts_units" CHECK ("stock_receipts"."units" > 0)
);
--> statement-breakpoint
ALTER TABLE "stock_risks" ADD COLUMN "next_delivery_source" text;