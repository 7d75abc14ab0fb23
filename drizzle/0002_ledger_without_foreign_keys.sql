ALTER TABLE "daily_sales" DROP CONSTRAINT "daily_sales_store_id_stores_id_fk";
--> statement-breakpoint
ALTER TABLE "daily_sales" DROP CONSTRAINT "daily_sales_item_id_items_id_fk";
--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_store_id_stores_id_fk";
--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_item_id_items_id_fk";
