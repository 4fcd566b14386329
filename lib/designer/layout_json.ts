// The designer's JSON layout format, "mutambo.layout/1" (see lib/designer/README.md): the
// export of a layout version and the checks an import gets before it reaches the database
// (which checks again, all or nothing, in api.import_layout).
import { type Pattern, patternError, type Row } from "./geometry.ts";

export const FORMAT = "mutambo.layout/1";

export interface DesignerZone {
  id: string;
  name: string;
  color: string;
  rank: number;
}

export interface DesignerSection {
  id: string;
  name: string;
  kind: "seated" | "standing";
  capacity: number;
  zone_id: string | null;
  x: number;
  y: number;
  focal_x: number;
  focal_y: number;
  sort: number;
  rows: Row[];
}

export interface DesignerLayout {
  id: string;
  version: number;
  status: "draft" | "published";
  layout_id: string;
  layout: string;
  venue_id: string;
  venue: string;
  capacity: number;
  zones: DesignerZone[];
  sections: DesignerSection[];
}

export type LayoutFileSection =
  | {
    name: string;
    kind: "standing";
    capacity: number;
    zone?: string;
    x?: number;
    y?: number;
    sort?: number;
  }
  | {
    name: string;
    kind: "seated";
    zone?: string;
    x?: number;
    y?: number;
    focal_x?: number;
    focal_y?: number;
    sort?: number;
    pattern?: Pattern;
    rows?: {
      label: string;
      numbers: number[];
      x: number[];
      y: number[];
      attributes?: string[];
      /** Per seat, its own zone's name (null: the section's zone). */
      zones?: (string | null)[];
    }[];
  };

export interface LayoutFile {
  format: typeof FORMAT;
  venue?: string;
  layout?: string;
  zones: { name: string; color: string; rank: number }[];
  sections: LayoutFileSection[];
}

/** A layout version as a file: every seat explicit, zones by name (per seat where a seat has
 * its own). */
export function exportLayout(l: DesignerLayout): LayoutFile {
  const zoneName = new Map(l.zones.map((z) => [z.id, z.name]));
  return {
    format: FORMAT,
    venue: l.venue,
    layout: `${l.layout} v${l.version}`,
    zones: l.zones.map((z) => ({ name: z.name, color: z.color, rank: z.rank })),
    sections: l.sections.map((s) => {
      const zone = s.zone_id ? zoneName.get(s.zone_id) : undefined;
      const common = { name: s.name, ...(zone ? { zone } : {}), x: s.x, y: s.y, sort: s.sort };
      return s.kind === "standing"
        ? { ...common, kind: "standing" as const, capacity: s.capacity }
        : {
          ...common,
          kind: "seated" as const,
          focal_x: s.focal_x,
          focal_y: s.focal_y,
          rows: s.rows.map((r) => ({
            label: r.label,
            numbers: r.numbers,
            x: r.x,
            y: r.y,
            attributes: r.attributes,
            ...(r.zones ? { zones: r.zones.map((z) => (z ? zoneName.get(z) ?? null : null)) } : {}),
          })),
        };
    }),
  };
}

const ATTRS = new Set(["accessible", "companion", "restricted_view", "aisle"]);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);

/** Every problem with an uploaded layout, in words (empty: it may be sent to the database). */
export function validateLayout(data: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(data)) return ["The file is not a JSON object"];
  if (data.format !== FORMAT) {
    errors.push(`Expected "format": "${FORMAT}" but found ${JSON.stringify(data.format ?? null)}`);
  }
  const zones = data.zones ?? [];
  const zoneNames = new Set<string>();
  if (!Array.isArray(zones)) errors.push(`"zones" must be a list`);
  else {
    zones.forEach((z, i) => {
      if (!isObj(z) || typeof z.name !== "string" || !z.name.trim()) {
        errors.push(`Zone ${i + 1} needs a name`);
        return;
      }
      zoneNames.add(z.name);
      if (z.color !== undefined && !/^#[0-9a-fA-F]{6}$/.test(String(z.color))) {
        errors.push(`Zone "${z.name}": colour "${z.color}" must look like #1e40af`);
      }
    });
  }
  if (!Array.isArray(data.sections) || data.sections.length === 0) {
    errors.push(`"sections" must be a list with at least one section`);
    return errors;
  }
  const names = new Set<string>();
  data.sections.forEach((s, i) => {
    const where = `Section ${i + 1}`;
    if (!isObj(s)) return errors.push(`${where} is not an object`);
    const name = typeof s.name === "string" ? s.name.trim() : "";
    const at = name ? `${where} ("${name}")` : where;
    if (!name) errors.push(`${where} needs a name`);
    else if (names.has(name)) errors.push(`${at}: the name is used twice`);
    names.add(name);
    if (s.zone !== undefined && !zoneNames.has(String(s.zone))) {
      errors.push(`${at}: price zone "${s.zone}" is not in "zones"`);
    }
    if (s.kind === "standing") {
      if (
        !Number.isInteger(s.capacity) || (s.capacity as number) < 1 ||
        (s.capacity as number) > 200000
      ) {
        errors.push(
          `${at}: capacity ${
            JSON.stringify(s.capacity ?? null)
          } must be a whole number from 1 to 200000`,
        );
      }
    } else if (s.kind === "seated") {
      if (isObj(s.pattern)) {
        const problem = patternError(s.pattern as unknown as Pattern);
        if (problem) errors.push(`${at}: ${problem}`);
      } else if (Array.isArray(s.rows) && s.rows.length > 0) {
        const labels = new Set<string>();
        s.rows.forEach((r, j) => {
          const rat = `${at}, row ${j + 1}`;
          if (!isObj(r) || typeof r.label !== "string" || !r.label) {
            return errors.push(`${rat} needs a label`);
          }
          if (labels.has(r.label)) errors.push(`${at}: row "${r.label}" appears twice`);
          labels.add(r.label);
          const n = Array.isArray(r.numbers) ? r.numbers.length : -1;
          if (n < 1 || !(r.numbers as unknown[]).every(Number.isInteger)) {
            return errors.push(`${rat} ("${r.label}"): "numbers" must be a list of whole numbers`);
          }
          if (new Set(r.numbers as number[]).size !== n) {
            errors.push(`${rat} ("${r.label}"): a seat number repeats`);
          }
          for (const k of ["x", "y"] as const) {
            const v = r[k];
            if (!Array.isArray(v) || v.length !== n || !v.every(num)) {
              errors.push(`${rat} ("${r.label}"): "${k}" must be ${n} numbers, one per seat`);
            }
          }
          if (r.zones !== undefined && r.zones !== null) {
            const z = r.zones;
            if (!Array.isArray(z) || z.length !== n) {
              errors.push(
                `${rat} ("${r.label}"): "zones" must have one entry (a zone name or null) per seat`,
              );
            } else {
              for (const name of z) {
                if (name !== null && !zoneNames.has(String(name))) {
                  errors.push(`${rat} ("${r.label}"): price zone "${name}" is not in "zones"`);
                  break;
                }
              }
            }
          }
          if (r.attributes !== undefined) {
            const a = r.attributes;
            if (!Array.isArray(a) || a.length !== n) {
              errors.push(`${rat} ("${r.label}"): "attributes" must have one entry per seat`);
            } else {
              for (const v of a) {
                for (const part of String(v).split(",").filter(Boolean)) {
                  if (!ATTRS.has(part)) {
                    errors.push(`${rat} ("${r.label}"): unknown seat attribute "${part}"`);
                  }
                }
              }
            }
          }
        });
      } else errors.push(`${at}: a seated section needs a "pattern" or "rows"`);
    } else {
      errors.push(
        `${at}: kind must be "standing" or "seated" but found ${JSON.stringify(s.kind ?? null)}`,
      );
    }
  });
  return errors.slice(0, 20);
}
