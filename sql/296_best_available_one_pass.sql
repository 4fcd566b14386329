-- Best available, cheaper in the middle of a sale: the band finds its seats by the distance
-- index, and the ranking is one window pass.
--
-- Measured on bench/flash_sale.ts's stadium (60,000 seats, one price zone) part sold by a sale,
-- 25 calls per size, n = 1..6 summed (295 → 296): 47 → 22 ms at 28,000 sold, 14 → 12 ms at
-- 8,800 sold. The results are the same (tests/engine/best_available_exact_test.ts).
--
-- 1. The band's seats. 295 read "every free seat within T" as `distance <= T`, and the planner
--    cannot know that in a sale the seats nearest the focal point are the sold ones: it
--    expects most free seats to be within T and reads every free seat of each section by
--    event_seats_open_idx (10,600 rows a section for 55 wanted, 6 ms). The near step has just
--    found the nearest free seat, at distance dmin, and no free seat is nearer (the function is
--    stable: all its statements see one snapshot). So the band is `distance between dmin and
--    T`, a narrow range the planner reads by event_seats_free_distance_idx.
-- 2. The ranking. 295 numbered each row's free seats to find its islands (a sort and a window),
--    took each island's ends and each block's average (a sort and two windows), then numbered
--    every block (a sort of them all) to keep 16. Here one sort and one window pass say, for the
--    free seat at i, whether the (n - 1)th free seat after it is at i + n - 1 (the block is
--    whole), whether the seat before the block is free and the one before that is not (or the
--    same after it: an orphan), and the block's average; a top-N sort keeps the 16 best. The
--    island test and the average are those of 295: the same seats in the same order.

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
  dmin float8; -- the nearest free seat's distance: no free seat of the zone is nearer
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
                -- (between, not <=: see the top of 296)
                where es.event_section_id = u.sec and es.state = 'open' and es.distance between dmin and band + 2 * margin
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
      select (select count(*)::int from near), (select max(near.distance) from near), (select min(near.distance) from near),
             array_agg(p.sec), array_agg(p.row_index),
             array_agg(p.lo - best_blocks.n - 1), array_agg(p.hi + best_blocks.n + 1)
      into seen, dk, dmin, rs, ri, rlo, rhi
      from (select near.sec, near.row_index, min(near.seat_index) as lo, max(near.seat_index) as hi
            from near group by near.sec, near.row_index) p;
      exit when seen = 0;
      if seen < k then
        dk := 'infinity'; -- every free seat of the zone is in these rows
      end if;
      end if;

      -- every block of n adjacent free seats in those rows, ranked as in 105, in one window pass
      with free as (
        select es.sec, es.row_index, es.seat_index,
               -- n adjacent free seats: the (n - 1)th free seat after this one is n - 1 seats on
               lead(es.seat_index, best_blocks.n - 1) over w is not distinct from es.seat_index + best_blocks.n - 1 as whole_block,
               -- makes an orphan: one free seat, then a taken seat (or the row's end), on either side
               (lag(es.seat_index) over w is not distinct from es.seat_index - 1
                and lag(es.seat_index, 2) over w is distinct from es.seat_index - 2)
               or (lead(es.seat_index, best_blocks.n) over w is not distinct from es.seat_index + best_blocks.n
                   and lead(es.seat_index, best_blocks.n + 1) over w is distinct from es.seat_index + best_blocks.n + 1) as orphan,
               avg(es.distance) over (w rows between current row and best_blocks.n - 1 following) as score
        from unnest(rs, ri, rlo, rhi) as r(sec, row_index, lo, hi)
        -- one index range per row (event_seats_open_row_idx). As a plain join, the generic
        -- plan PL/pgSQL settles on after five calls cannot see how few rows unnest gives and
        -- hash-joins a sequential scan of every event's seats (3 ms at 40,000 seats, growing
        -- with every event); OFFSET 0 keeps the lateral subquery a parameterized index scan.
        cross join lateral (
          select s.event_section_id as sec, s.row_index, s.seat_index, s.distance
          from core.event_seats s
          where s.event_section_id = r.sec and s.row_index = r.row_index
            and s.seat_index between r.lo and r.hi and s.state = 'open' and s.held_until <= now() and s.id <> all(best_blocks.avoid)
          offset 0) es
        window w as (partition by es.sec, es.row_index order by es.seat_index)
      ), top as (
        -- the 16 best, in order: orphan-free first, then by distance, section, row, seat
        select f.sec, f.row_index, f.seat_index, f.orphan, f.score,
               row_number() over (order by f.orphan, f.score, f.sec, f.row_index, f.seat_index) as ord
        from (select * from free f where f.whole_block
              order by f.orphan, f.score, f.sec, f.row_index, f.seat_index
              limit 16) f
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
