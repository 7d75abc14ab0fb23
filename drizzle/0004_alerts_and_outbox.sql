CREATE TABLE "alert_events" (
	"id" serial NOT NULL,
	"store_id" integer NOT NULL,
	"alert_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"event" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"cause" text NOT NULL,
	"figures" jsonb NOT NULL,
	"actor" text NOT NULL,
	CONSTRAINT "alert_events_store_id_id_pk" PRIMARY KEY("store_id","id")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" serial NOT NULL,
	"store_id" integer NOT NULL,
	"item_id" integer,
	"kind" text NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"urgent" boolean NOT NULL,
	"figures" jsonb NOT NULL,
	"notified_figures" jsonb NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"snoozed_until" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "alerts_store_id_id_pk" PRIMARY KEY("store_id","id"),
	CONSTRAINT "alerts_kind" CHECK ("alerts"."kind" in ('promotion_stockout', 'out_of_stock', 'delivery_stockout', 'stale_feed')),
	CONSTRAINT "alerts_state" CHECK ("alerts"."state" in ('open', 'acknowledged', 'snoozed', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "recipients" (
	"id" serial PRIMARY KEY NOT NULL,
	"store_id" integer NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"role" text NOT NULL,
	"kinds" text[] NOT NULL,
	"urgent_emails" boolean DEFAULT true NOT NULL,
	"digest" boolean DEFAULT true NOT NULL,
	"digest_time" text DEFAULT '07:00' NOT NULL,
	"quiet_start" text,
	"quiet_end" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recipients_role" CHECK ("recipients"."role" in ('manager', 'staff'))
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" serial NOT NULL,
	"store_id" integer NOT NULL,
	"category" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"message_id" text NOT NULL,
	"alert_id" integer,
	"recipient" text NOT NULL,
	"sender" text NOT NULL,
	"subject" text NOT NULL,
	"text_body" text NOT NULL,
	"html_body" text NOT NULL,
	"headers" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"give_up_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbox_store_id_id_pk" PRIMARY KEY("store_id","id"),
	CONSTRAINT "outbox_status" CHECK ("outbox"."status" in ('pending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "service_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "used_links" (
	"nonce" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"used_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "alert_probability" real DEFAULT 0.5 NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "resolve_probability" real DEFAULT 0.3 NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipients" ADD CONSTRAINT "recipients_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_events_alert_idx" ON "alert_events" USING btree ("store_id","alert_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_id_idx" ON "alerts" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_live_idx" ON "alerts" USING btree ("store_id","kind",coalesce("item_id", 0)) WHERE "alerts"."state" <> 'resolved';--> statement-breakpoint
CREATE INDEX "alerts_store_state_idx" ON "alerts" USING btree ("store_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "recipients_store_email_idx" ON "recipients" USING btree ("store_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_idx" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_message_id_idx" ON "outbox" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("not_before") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_store_idx" ON "outbox" USING btree ("store_id","created_at");--> statement-breakpoint
ALTER TABLE "stores" ADD CONSTRAINT "stores_alert_thresholds" CHECK ("stores"."resolve_probability" < "stores"."alert_probability" and "stores"."alert_probability" <= 1 and "stores"."resolve_probability" >= 0);