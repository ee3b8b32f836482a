/**
 * Answers of the read API (shared/spec/api.md), as served by `/v1/*` and
 * rendered by the dashboard. Both read them through the functions of
 * `pipeline/read/`, which read only gold (materialised views and counters).
 *
 * @module
 */

/** One product of `top_products`. */
export interface TopProduct {
  sku: string;
  revenue_cents: number;
  units: number;
  name: string;
  category: string;
}

/** One category of `categories`. */
export interface CategoryFigures {
  category: string;
  revenue_cents: number;
  units: number;
}

/** `GET /v1/kpis/orders?bucket=B`. */
export interface OrderKpis {
  bucket: string;
  revenue_cents: number;
  orders: number;
  units: number;
  aov_cents: number;
  customers: number;
  repeat_customers: number;
  refunded_cents: number;
  cancelled_lines: number;
  top_products: TopProduct[];
  categories: CategoryFigures[];
}

/** `GET /v1/kpis/events?bucket=B`. */
export interface EventKpis {
  bucket: string;
  events: number;
  persons: number;
  page_views: number;
  funnel: { steps: string[]; reached: number[] };
  cart_persons: number;
  cart_abandoned_persons: number;
}

/** One day of `GET /v1/kpis/daily`. */
export interface DailyRow {
  date: string;
  revenue_cents: number;
  orders: number;
  units: number;
  aov_cents: number;
  events: number;
  persons: number;
}

/** `GET /v1/kpis/daily?from=D&to=D`. */
export interface DailyKpis {
  days: DailyRow[];
}

/** `GET /v1/kpis/retention`. */
export interface RetentionKpis {
  cohorts: { cohort: string; active: number[] }[];
}

/** `GET /v1/kpis/inventory?week=W|latest`. `week` is the Monday, `YYYY-MM-DD`. */
export interface InventoryKpis {
  week: string;
  skus: number;
  rows: number;
  on_hand_units: number;
  stockout_rows: number;
  low_stock_rows: number;
  stock_value_cents: number;
  /** Median days of cover, rounded half-up to 0.1; null when no SKU sold in the window. */
  days_of_cover: number | null;
  at_risk_skus: { sku: string; name: string; on_hand: number; days_of_cover: number | null }[];
  stockouts: { sku: string; warehouse: string; name: string }[];
  low_stock: {
    sku: string;
    warehouse: string;
    name: string;
    on_hand: number;
    reorder_point: number;
  }[];
}

/** One source and received day of `GET /v1/quality`. */
export interface QualityDay {
  date: string;
  source: "events" | "orders" | "inventory";
  received: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  updates: number;
  quarantined_by_reason: Record<string, number>;
  warnings_by_field: Record<string, number>;
  rejected_requests: Record<string, number>;
}

/** One order day of the cross-source checks. */
export interface CrossSourceDay {
  date: string;
  orders_unknown_sku: number;
  orders_without_event: number;
  events_without_order: number;
}

/** Freshness of one source. */
export interface FreshnessRow {
  source: "events" | "orders" | "inventory";
  last_received_at: string | null;
  expected_by: string;
  late: boolean;
}

/** `GET /v1/quality?from=D&to=D`. */
export interface QualityReport {
  days: QualityDay[];
  cross_source: CrossSourceDay[];
  freshness: FreshnessRow[];
}

/** One recorded job run. */
export interface JobRun {
  started_at: string;
  finished_at: string | null;
  status: "running" | "ok" | "error";
  records_in: number;
  records_out: number;
  error: string | null;
}

/** `GET /v1/pipeline`. */
export interface PipelineReport {
  jobs: { name: string; runs: JobRun[] }[];
  stages: { stage: string; backlog: number; lag_seconds: number }[];
}

/** One alert of `GET /v1/alerts`. */
export interface Alert {
  id: string;
  kind: "anomaly" | "freshness";
  metric: string;
  source: string | null;
  day: string;
  value: number;
  baseline: number | null;
  score: number | null;
  direction: "up" | "down";
  raised_at: string;
}
