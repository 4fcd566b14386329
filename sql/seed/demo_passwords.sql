-- Demo sign-in for /admin: the demo org's staff (sql/seed/demo.sql makes them without
-- passwords) get the password "mutambo-demo-2026", and a platform administrator
-- (admin@mutambo.africa, same password) is added. Only users that still have no password
-- are touched, so running it again, or into a database where people set their own, changes
-- nothing. Run by scripts/seed.ts after demo.sql.

insert into core.users (email, display_name, is_platform_admin)
select 'admin@mutambo.africa', 'Mutambo Platform Admin', true
where not exists (select from core.users where lower(email) = 'admin@mutambo.africa');

update core.users set password_hash = crypt('mutambo-demo-2026', gen_salt('bf', 12)), password_changed_at = now()
where password_hash is null
  and lower(email) in ('admin@mutambo.africa', 'tatenda.moyo@hse.co.zw', 'rudo.chikwanha@hse.co.zw',
                       'blessing.ncube@hse.co.zw', 'farai.dube@hse.co.zw');
