CREATE TABLE "morning_predictions" (
	"store_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"morning" date NOT NULL,
	"probability" real NOT NULL,
	"window_end" date NOT NULL,
	"alerted" boolean NOT NULL,
	"reorder_point_alerted" boolean NOT NULL,
	"ran_out" boolean,
	CONSTRAINT "morning_predictions_store_id_item_id_morning_pk" PRIMARY KEY("store_id","item_id","morning")
);
--> statement-breakpoint
CREATE INDEX "morning_predictions_unsettled_idx" ON "morning_predictions" USING btree ("store_id","window_end") WHERE "morning_predictions"."ran_out" is null;