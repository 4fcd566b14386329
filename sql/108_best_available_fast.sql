-- Best available without ranking the whole stadium.
--
-- 105's api.hold_best_available ranked every free seat of the candidate sections with window
-- functions on every call (~20 ms for the 10,000-seat Covered Stand, ~40 ms for the whole
-- demo stadium). The preference order is unchanged here; only how much is looked at changes.
--
-- The order (from 105): an adjacent block of n free seats in one row, ranked by
--   1. no single empty seat left at either end of the block (orphan rule, where avoidable),
--   2. better price zone (lower rank),
--   3. closest to the section's focal point (average distance of the block's seats),
--   4. section id, row, seat (ties);
-- then, only when no adjacent block exists: same row with gaps, two neighbouring rows,
-- anywhere (105's relaxation query, unchanged).
--
-- WHY LOOKING AT A FEW ROWS IS EXACT. Take the k free seats closest to the focal point
-- (index event_seats_free_distance_idx, one ordered scan per section, LIMIT k) and let d_k
-- be the largest of their distances. Every free seat outside those k is at least d_k away,
-- so a block that holds none of the k seats has an average distance >= d_k. Rank every
-- block within n - 1 seats of those k seats (looking two seats further each side, so the
-- orphan test is exact); if the best orphan-free block there has score < d_k, no block
-- elsewhere can beat it. Otherwise k grows (64, 512), then every row of the zone is ranked
-- (also at once when the cached counts say the zone has at most 2,000 open seats left). Zones are taken best rank first; a zone with no orphan-free block
-- is scanned completely (its best block is kept as the fallback for when no zone has an
-- orphan-free block), exactly as the single ORDER BY of 105 would rank them.
--
-- Sold and blocked seats are not in the partial index, so a 90 % sold stand costs no more
-- than an empty one; held seats are in it and filtered by held_until (lazy expiry: a seat
-- whose hold has expired is free, with no job run).
--
-- CONTENTION. As in 105, a block is taken with core.try_take_seats (FOR UPDATE SKIP LOCKED
-- in a subtransaction): a block another buyer is taking is skipped, never waited for, and the
-- next proven block is tried (skipping blocks that overlap a missed one). When all of them
-- were missed, the search runs again with the missed seats left out (105 gave up on step 1
-- after its 30 ranked blocks).

create index event_seats_free_distance_idx on core.event_seats (event_section_id, distance) where state = 'open';
-- a row's open seats in order, without visiting its sold ones
create index event_seats_open_row_idx on core.event_seats (event_section_id, row_index, seat_index) where state = 'open';

-- The best adjacent blocks of n free seats in the sections (ignoring the seats in `avoid`),
-- best first, as a two-dimensional array (one block of n seat ids per element), or null when
-- no section has n adjacent free seats in one row. Only blocks whose place in the order is
-- proven are returned (at most 16); the first is the block 105's full ranking puts first.
create function core.best_blocks(secs uuid[], n int, avoid bigint[] default '{}') returns bigint[]
language plpgsql stable
set search_path = pg_catalog, core, pg_temp
as $$
declare
  g record;
  k int;
  seen int;
  dk float8;
  rs uuid[];
  ri int[];
  rlo int[];
  rhi int[];
  best record;
  fallback bigint[];
  proven bigint[];
  j int;
  whole boolean;
begin
  for g in
    select z.rank, array_agg(s.id order by s.id) as ids
    from core.event_sections s left join core.event_price_zones z on z.id = s.price_zone_id
    where s.id = any(best_blocks.secs)
    group by z.rank
    order by z.rank nulls last
  loop
    k := greatest(64, 16 * best_blocks.n);
    -- Few open seats left in the zone (cached counts, refreshed every minute; only a hint):
    -- ranking all of them at once is cheaper than widening step by step.
    whole := (select coalesce(sum(c.capacity - c.sold - c.blocked), 0) from core.event_section_counts c
             where c.event_section_id = any(g.ids)) <= 2000;
    loop
      if whole then
        -- every row of the zone's sections
        select array_agg(u.sec), array_agg(r.row_index), array_agg(-2147483648), array_agg(2147483647)
        into rs, ri, rlo, rhi
        from unnest(g.ids) as u(sec)
        cross join lateral generate_series(1, (select max(es.row_index) from core.event_seats es where es.event_section_id = u.sec)) as r(row_index);
        seen := 0;
        dk := 'infinity';
      else
      -- the k free seats closest to the focal point, and the rows they are in
      with near as materialized (
        select f.sec, f.row_index, f.seat_index, f.distance
        from unnest(g.ids) as u(sec)
        cross join lateral (
          select es.event_section_id as sec, es.row_index, es.seat_index, es.distance
          from core.event_seats es
          where es.event_section_id = u.sec and es.state = 'open' and es.held_until <= now()
            and es.id <> all(best_blocks.avoid)
          order by es.distance
          limit k) f
        order by f.distance
        limit k
      )
      -- Per row, only the stretch around its near seats is ranked: a block that beats d_k
      -- holds a seat closer than d_k (its nearest seat is no farther than its average), and
      -- every free seat closer than d_k is a near seat; so the block lies within n - 1
      -- seats of a near seat. Two more seats each side decide the orphan test exactly.
      select (select count(*)::int from near), (select max(near.distance) from near),
             array_agg(p.sec), array_agg(p.row_index),
             array_agg(p.lo - best_blocks.n - 1), array_agg(p.hi + best_blocks.n + 1)
      into seen, dk, rs, ri, rlo, rhi
      from (select near.sec, near.row_index, min(near.seat_index) as lo, max(near.seat_index) as hi
            from near group by near.sec, near.row_index) p;
      exit when seen = 0;
      if seen < k then
        dk := 'infinity'; -- every free seat of the zone is in these rows
      end if;
      end if;

      -- every block of n adjacent free seats in those rows, ranked as in 105
      with free as (
        select es.id, es.event_section_id as sec, es.row_index, es.seat_index, es.distance,
               es.seat_index - row_number() over (partition by es.event_section_id, es.row_index order by es.seat_index) as grp
        from unnest(rs, ri, rlo, rhi) as r(sec, row_index, lo, hi)
        -- one index range per row (event_seats_open_row_idx). As a plain join, the generic
        -- plan PL/pgSQL settles on after five calls cannot see how few rows unnest gives and
        -- hash-joins a sequential scan of every event's seats (3 ms at 40,000 seats, growing
        -- with every event); OFFSET 0 keeps the lateral subquery a parameterized index scan.
        cross join lateral (
          select s.id, s.event_section_id, s.row_index, s.seat_index, s.distance
          from core.event_seats s
          where s.event_section_id = r.sec and s.row_index = r.row_index
            and s.seat_index between r.lo and r.hi and s.state = 'open' and s.held_until <= now() and s.id <> all(best_blocks.avoid)
          offset 0) es
      ), islands as (
        select f.*, min(f.seat_index) over w as lo, max(f.seat_index) over w as hi,
               array_agg(f.id) over (partition by f.sec, f.row_index, f.grp order by f.seat_index
                                     rows between current row and best_blocks.n - 1 following) as ids,
               avg(f.distance) over (partition by f.sec, f.row_index, f.grp order by f.seat_index
                                     rows between current row and best_blocks.n - 1 following) as score
        from free f
        window w as (partition by f.sec, f.row_index, f.grp)
      )
      -- the 16 best, in order: orphan-free first, then by distance, section, row, seat
      select array_agg(c.ids order by c.ord) as blocks, array_agg(c.orphan order by c.ord) as orphans,
             array_agg(c.score order by c.ord) as scores
      into best
      from (
        select i.ids, (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + best_blocks.n - 1) = 1) as orphan, i.score,
               row_number() over (order by (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + best_blocks.n - 1) = 1),
                                           i.score, i.sec, i.row_index, i.seat_index) as ord
        from islands i
        where i.hi - i.lo + 1 >= best_blocks.n and i.seat_index + best_blocks.n - 1 <= i.hi
        order by ord
        limit 16) c;

      if best.blocks is not null then
        -- orphan-free blocks closer than d_k are in their final order
        proven := null;
        for j in 1..cardinality(best.blocks) / best_blocks.n loop
          exit when best.orphans[j] or best.scores[j] >= dk;
          proven := proven || best.blocks[j:j][1:best_blocks.n];
        end loop;
        if proven is not null then
          return proven;
        end if;
        if dk = 'infinity' and fallback is null then
          fallback := best.blocks; -- the whole zone was ranked and has only orphan-making blocks
        end if;
      end if;
      exit when dk = 'infinity';
      if k >= 512 then
        whole := true;
      else
        k := k * 8;
      end if;
    end loop;
  end loop;
  return fallback;
end
$$;
comment on function core.best_blocks(uuid[], int, bigint[]) is 'Best-available step 1: the best blocks (up to 16, best first, as a 2-D array) of n adjacent free seats in one row of the sections (orphan-free first, better zone, closest to the focal point), found by ranking only the rows of the nearest free seats and widening until the order is proven. Null when there is none.';

create or replace function api.hold_best_available(
  event_id uuid,
  quantity int,
  session_id text default null,
  section_id uuid default null,
  zone_id uuid default null,
  min_price_minor bigint default null,
  max_price_minor bigint default null,
  ticket_type_id uuid default null,
  unlock_code text default null,
  channel text default 'web',
  hold_token text default null
)
returns jsonb
language plpgsql volatile
security definer
set search_path = pg_catalog, core, pg_temp
as $$
declare
  e core.events;
  h core.holds;
  tt core.ticket_types;
  n int := hold_best_available.quantity;
  secs uuid[];
  cand record;
  block bigint[];
  blocks bigint[];
  avoid bigint[] := '{}';
  chosen bigint[];
  tries int;
  attempt int;
  m int;
  start int;
  idx int;
  j int;
  sec_row core.event_sections;
begin
  if n is null or n not between 1 and 20 then
    raise exception 'Quantity % must be between 1 and 20', hold_best_available.quantity using errcode = 'P0001';
  end if;
  if hold_best_available.min_price_minor < 0 or hold_best_available.max_price_minor < 0
     or hold_best_available.max_price_minor < hold_best_available.min_price_minor then
    raise exception 'Price range % to % is not valid', hold_best_available.min_price_minor, hold_best_available.max_price_minor
      using errcode = 'P0001';
  end if;
  e := core.event_for_hold(hold_best_available.event_id);
  if hold_best_available.ticket_type_id is not null then
    tt := core.ticket_type_for_hold(e, hold_best_available.ticket_type_id, hold_best_available.unlock_code);
    if tt.kind <> 'admission' then
      raise exception 'Ticket type % is an add-on, not an admission', tt.name using errcode = 'P0001';
    end if;
  end if;
  if hold_best_available.section_id is not null
     and not exists (select from core.event_sections s where s.id = hold_best_available.section_id and s.event_id = e.id) then
    raise exception 'Section % not found in this event', hold_best_available.section_id using errcode = 'PT404';
  end if;
  if hold_best_available.zone_id is not null
     and not exists (select from core.event_price_zones z where z.id = hold_best_available.zone_id and z.event_id = e.id) then
    raise exception 'Price zone % not found in this event', hold_best_available.zone_id using errcode = 'PT404';
  end if;
  select array_agg(s.id) into secs
  from core.event_sections s
  where s.event_id = e.id and s.kind = 'seated'
    and (hold_best_available.section_id is null or s.id = hold_best_available.section_id)
    and (hold_best_available.zone_id is null or s.price_zone_id = hold_best_available.zone_id)
    and exists (select from core.ticket_type_prices p join core.ticket_types t on t.id = p.ticket_type_id
                where p.event_price_zone_id = s.price_zone_id and t.active and t.kind = 'admission'
                  and (case when tt.id is not null then t.id = tt.id else not t.hidden end)
                  and (hold_best_available.min_price_minor is null or p.price_minor >= hold_best_available.min_price_minor)
                  and (hold_best_available.max_price_minor is null or p.price_minor <= hold_best_available.max_price_minor));
  if secs is null then
    raise exception 'No seated section of "%" matches that section, zone, ticket type and price range', e.name using errcode = 'PT404';
  end if;
  h := core.open_hold(e, hold_best_available.hold_token, hold_best_available.session_id, hold_best_available.channel);
  if (select count(*) from core.event_seats es where es.hold_id = h.id) + n > core.max_hold_places() then
    raise exception 'You can hold at most % places at once', core.max_hold_places() using errcode = 'P0001';
  end if;

  for attempt in 1..3 loop
    -- Step 1: the best adjacent blocks (core.best_blocks), tried in order; when others are
    -- taking all of them, searched again with their seats left out.
    tries := 0;
    loop
      blocks := core.best_blocks(secs, n, avoid);
      exit when blocks is null;
      tries := tries + 1;
      -- The best block first. When another buyer is taking it, the buyers who lost it would
      -- all try the second next, and the third, colliding again at every step (32 buyers
      -- took ~5 tries each). So after a miss each goes round the rest of the proven list from
      -- a random place: still only proven blocks, spread over the buyers racing for them.
      m := array_length(blocks, 1);
      start := 1 + floor(random() * greatest(m - 1, 1))::int;
      for j in 1..m loop
        idx := case when j = 1 then 1 else 2 + (start + j - 3) % greatest(m - 1, 1) end;
        block := array(select unnest(blocks[idx:idx][1:n]));
        if block && avoid then continue; end if;
        if core.try_take_seats(h, block) then chosen := block; exit; end if;
        avoid := avoid || block;
      end loop;
      exit when chosen is not null or tries >= 10;
    end loop;
    exit when chosen is not null;

    -- Step 2: same row with gaps: the n free seats of one row closest to the focal point.
    -- Step 3: two neighbouring rows. Step 4: anywhere in the candidate sections. (105's query.)
    for cand in
      with free as (
        select es.id, es.event_section_id as sec, es.row_index, es.distance
        from core.event_seats es
        where es.event_section_id = any(secs) and es.state = 'open' and es.held_until <= now() and es.id <> all(avoid)
      ), one_row as (
        select 2 as step, f.sec, f.row_index, (array_agg(f.id order by f.distance))[1:n] as ids,
               avg(f.distance) as score
        from free f group by f.sec, f.row_index having count(*) >= n
      ), two_rows as (
        select 3 as step, f.sec, r.r0 as row_index,
               (array_agg(f.id order by f.distance))[1:n] as ids, avg(f.distance) as score
        from (select distinct sec, row_index as r0 from free) r
        join free f on f.sec = r.sec and f.row_index in (r.r0, r.r0 + 1)
        group by f.sec, r.r0 having count(*) >= n
      ), anywhere as (
        select 4 as step, null::uuid as sec, null::int as row_index,
               (array_agg(f.id order by z.rank, f.distance))[1:n] as ids, 0::float8 as score
        from free f join core.event_sections s on s.id = f.sec left join core.event_price_zones z on z.id = s.price_zone_id
        having count(*) >= n
      )
      select c.ids, c.step from (
        (select * from one_row order by score limit 5)
        union all (select * from two_rows order by score limit 5)
        union all select * from anywhere) c
      order by c.step, c.score
    loop
      if cand.ids && avoid then continue; end if;
      if core.try_take_seats(h, cand.ids) then chosen := cand.ids; exit; end if;
      avoid := avoid || cand.ids;
    end loop;
    exit when chosen is not null;
    -- everything we looked at was being taken by others: look again with fresh data
    avoid := '{}';
  end loop;

  if chosen is null then
    raise exception 'Not enough seats left together or apart: % seats could not be found in the chosen area', n
      using errcode = 'PT409';
  end if;
  insert into core.hold_items (hold_id, org_id, kind, ticket_type_id, event_section_id, quantity)
  select h.id, h.org_id, 'seat', tt.id, es.event_section_id, count(*)
  from core.event_seats es where es.id = any(chosen) group by es.event_section_id;
  if tt.id is not null then
    for sec_row in select distinct s.* from core.event_seats es join core.event_sections s on s.id = es.event_section_id where es.id = any(chosen) loop
      perform core.check_type_in_section(tt, sec_row);
    end loop;
    perform core.check_type_limits(h.id, tt);
    perform core.claim_quota_units(h, tt, n);
  end if;
  return core.hold_json(h);
end
$$;
comment on function api.hold_best_available(uuid, int, text, uuid, uuid, bigint, bigint, uuid, text, text, text)
  is 'Holds the best n (1-20) seats in a section, zone or price range: adjacent in one row when possible (closest to the section''s focal point, better zone first, never leaving a single empty seat when another block of the same size avoids it), then relaxing to the same row with gaps, two neighbouring rows, and anywhere. Never waits on other buyers. Returns the hold. Errors: P0001 bad input, PT404 unknown event/section/zone/type or nothing matches, PT409 not enough seats, PT410 hold expired, PT422 sales window or limits.';
