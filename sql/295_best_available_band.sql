-- Best available: rank a band around the nearest free seats instead of the whole zone.
--
-- 108's best_blocks takes the k free seats nearest the focal point and proves its best blocks
-- when their average distance is below d_k, the farthest of those k seats. In a sale the free
-- seats nearest the focal point lie on the edge of the sold area, one or two in each of many
-- rows, and a block of n seats reaches n - 1 seats further out than its nearest seat: its score
-- is above d_k until k holds every free seat of that ring a block's width deep. So k grew from
-- 64 to 512 and then 108 ranked every seat of the zone: 10 ms a call, 41 % of the time spent in
-- functions during bench/flash_sale.ts (60,000 seats, K = 32, track_functions).
--
-- The band. When the near ranking found orphan-free blocks it could not prove, let T be the
-- score of one of them. Every block scoring at most T holds a seat at distance at most T (a
-- block's nearest seat is no farther than its average). So ranking the rows of every free seat
-- within T (each row from n + 1 seats before its first such seat to n + 1 after its last, as
-- 108 does for the near seats) ranks every block scoring at most T, and the orphan-free ones
-- among them are in their final order. The blocks found by the near ranking are among them, so
-- at least one is proven. (T gets a relative margin of 1e-9 for the rounding of averages.)
-- Only when the band proves nothing (it cannot, unless held seats change the picture) does k
-- widen as before. T is the fourth-best orphan-free score found (or the worst, when fewer):
-- a wider band proves more blocks for buyers to fall back on, at more cost.
--
-- Also: the ranking no longer builds an array of n seat ids for every free seat it ranks (a
-- sliding array_agg window); it looks up the seats of the 16 blocks it keeps.

create or replace function core.best_blocks(secs uuid[], n int, avoid bigint[] default '{}') returns bigint[]
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
  band float8; -- the band's bound, once a near ranking found an orphan-free block it could not prove
  band_ranked boolean;
  margin float8;
begin
  for g in
    select z.rank, array_agg(s.id order by s.id) as ids
    from core.event_sections s left join core.event_price_zones z on z.id = s.price_zone_id
    where s.id = any(best_blocks.secs)
    group by z.rank
    order by z.rank nulls last
  loop
    k := greatest(64, 16 * best_blocks.n);
    band := null;
    band_ranked := false;
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
      elsif band is not null and not band_ranked then
        band_ranked := true;
        -- every free seat of the zone within the band, and the rows they are in (see the top)
        margin := 1e-9 * (1 + abs(band));
        select array_agg(p.sec), array_agg(p.row_index),
               array_agg(p.lo - best_blocks.n - 1), array_agg(p.hi + best_blocks.n + 1)
        into rs, ri, rlo, rhi
        from (select b.sec, b.row_index, min(b.seat_index) as lo, max(b.seat_index) as hi
              from unnest(g.ids) as u(sec)
              cross join lateral (
                select es.event_section_id as sec, es.row_index, es.seat_index
                from core.event_seats es
                where es.event_section_id = u.sec and es.state = 'open' and es.distance <= band + 2 * margin
                  and es.held_until <= now() and es.id <> all(best_blocks.avoid)
                offset 0) b
              group by b.sec, b.row_index) p;
        dk := band + margin; -- every block scoring below this is among the ranked
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
        -- (108 also gathered every candidate block's seat ids here, an array per free seat; the
        -- ids of the 16 chosen blocks are looked up below instead)
        select f.sec, f.row_index, f.seat_index, min(f.seat_index) over w as lo, max(f.seat_index) over w as hi,
               avg(f.distance) over (partition by f.sec, f.row_index, f.grp order by f.seat_index
                                     rows between current row and best_blocks.n - 1 following) as score
        from free f
        window w as (partition by f.sec, f.row_index, f.grp)
      ), top as (
        -- the 16 best, in order: orphan-free first, then by distance, section, row, seat
        select i.sec, i.row_index, i.seat_index,
               (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + best_blocks.n - 1) = 1) as orphan, i.score,
               row_number() over (order by (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + best_blocks.n - 1) = 1),
                                           i.score, i.sec, i.row_index, i.seat_index) as ord
        from islands i
        where i.hi - i.lo + 1 >= best_blocks.n and i.seat_index + best_blocks.n - 1 <= i.hi
        order by ord
        limit 16
      )
      -- each block is n consecutive seat numbers of one row (event_seats_position_key)
      select array_agg(b.ids order by t.ord) as blocks, array_agg(t.orphan order by t.ord) as orphans,
             array_agg(t.score order by t.ord) as scores
      into best
      from top t
      cross join lateral (
        select array_agg(s.id order by s.seat_index) as ids
        from core.event_seats s
        where s.event_section_id = t.sec and s.row_index = t.row_index
          and s.seat_index between t.seat_index and t.seat_index + best_blocks.n - 1) b;

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
        -- The near seats found orphan-free blocks but could not prove them: rank the band of
        -- every free seat up to the worst of their scores next, instead of widening k.
        if band is null and not whole and dk < 'infinity' then
          select max(x.sc) into band
          from (select x.sc from unnest(best.scores, best.orphans) as x(sc, orphan) where not x.orphan
                order by x.sc limit 4) x;
          continue when band is not null;
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
comment on function core.best_blocks(uuid[], int, bigint[]) is 'Best-available step 1: the best blocks (up to 16, best first, as a 2-D array) of n adjacent free seats in one row of the sections (orphan-free first, better zone, closest to the focal point), found by ranking only the rows of the nearest free seats, then of the band of free seats up to the score of the blocks found, widening until the order is proven. Null when there is none.';
