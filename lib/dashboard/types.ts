// The document api.event_live_stats returns (sql/210_live_stats.sql), as the page and the
// LiveDashboard island read it. Types only: safe to import from an island.

export interface LiveStats {
  event: { id: string; name: string; starts_at: string; status: string; currency: string };
  now: string;
  since: string;
  money_visible: boolean;
  totals: { orders: number; tickets: number };
  sales_per_minute: { t: string; orders: number; tickets: number }[];
  /** null when the role may not see money. */
  revenue: { currency: string; total_minor: number; orders: number }[] | null;
  sections: {
    id: string;
    name: string;
    kind: string;
    x: number;
    y: number;
    capacity: number;
    sold: number;
    held: number;
  }[];
  checkins_per_gate_minute: { gate: string; t: string; n: number }[];
  gates: string[];
  scans: number;
  inside: number;
  offline_duplicates: number;
  payment_attempts: number | null;
  payment_failures: { count: number; by_reason: { reason: string; n: number }[] } | null;
}

export interface StreamMessage {
  kinds: string[];
  stats: LiveStats;
}
