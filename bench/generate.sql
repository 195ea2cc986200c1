-- The benchmark's data, in PostgreSQL's own generate_series: every table and column the
-- generator writes is here, so a migration that changes them is adapted in this one file.
-- `bench/src/bin/bench_data.rs` runs it one step at a time (each step opens with a "step" marker;
-- `-- chunked` steps run once per slice `{from}..{to}` of referrals or people, for progress)
-- after replacing the placeholders:
--   {seed} {tenants} {orgs} (per tenant) {users} (per organisation) {people} {referrals}
--   {password_hash} (argon2id PHC string, hashed once)
--
-- Shape (ids are fixed: 16 ASCII bytes, a letter then 15 digits, see pg_temp.id):
--   organisation o (0 ≤ o < tenants·orgs) is in tenant o % tenants; o < tenants is the tenant's
--   big CAF (10 % of the tenant's referrals go to it). Services 3·o, 3·o+1, 3·o+2.
--   user u of organisation o has id o·users + u, email u<id>@bench.example, password
--   "bench-password"; u = 0 is ORG_ADMIN + AGENT (+ COORDINATOR in the big CAF), odd u BACK_OFFICE,
--   even u AGENT.
--   person p (and its consent p) belongs to organisation p % (tenants·orgs); the consent names
--   the tenant's big CAF and every organisation a referral of that person went to.
--   referral i: a random person; sent by the person's organisation to another one of the tenant;
--   ~80 % final over two years, open ones recent; one timeline event per transition.

-- step: helpers
-- A uniform number in [0, 1), fixed by (n, stream, seed).
CREATE FUNCTION pg_temp.r(n bigint, stream int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
  $$ SELECT ((hashint8extended(n, {seed}::bigint * 64 + stream) >> 11) & 4503599627370495)::float8 / 4503599627370496.0 $$;
CREATE FUNCTION pg_temp.id(prefix text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
  $$ SELECT encode(convert_to(prefix || lpad(n::text, 15, '0'), 'UTF8'), 'hex')::uuid $$;
-- A fixed "now" for the data (the day the generator runs, at midnight), so two runs on one day
-- give the same rows.
CREATE FUNCTION pg_temp.at(secs_ago float8) RETURNS timestamptz LANGUAGE sql STABLE AS
  $$ SELECT date_trunc('day', now()) - make_interval(secs => secs_ago) $$;

-- step: tenants
INSERT INTO tenants (id, name, created_at, reminder_days_before, escalation_days_after, escalation_reopen_days)
SELECT pg_temp.id('t', t), 'Territoire ' || t, pg_temp.at(94608000), 2, 3, 30
FROM generate_series(0, {tenants} - 1) t;

-- step: organisations
INSERT INTO organisations (tenant_id, id, name, kind, back_office_email, created_at,
                           escalation_answer_days, escalation_urgent_answer_days)
SELECT pg_temp.id('t', o % {tenants}), pg_temp.id('o', o),
       CASE WHEN o < {tenants} THEN 'CAF ' ELSE 'Organisation ' END || o,
       CASE WHEN o < {tenants} THEN 'CAF'
            ELSE (ARRAY['CCAS','FRANCE_TRAVAIL','MISSION_LOCALE','ASSOCIATION','CPAM','COMMUNE','SOCIAL_LANDLORD','FRANCE_SERVICES'])[1 + o % 8] END,
       'accueil' || o || '@bench.example', pg_temp.at(94608000), 5, 2
FROM generate_series(0, {tenants} * {orgs} - 1) o;

-- step: services
INSERT INTO services (tenant_id, id, organisation_id, name, category, response_days, urgent_response_days, created_at)
SELECT pg_temp.id('t', (s / 3) % {tenants}), pg_temp.id('s', s), pg_temp.id('o', s / 3),
       'Service ' || s, (ARRAY['EMPLOI','LOGEMENT','SANTE'])[1 + s % 3], 10, 3, pg_temp.at(94608000)
FROM generate_series(0, {tenants} * {orgs} * 3 - 1) s;

-- step: users
INSERT INTO users (tenant_id, id, organisation_id, email, name, password_hash, active, created_at)
SELECT pg_temp.id('t', (u / {users}) % {tenants}), pg_temp.id('u', u), pg_temp.id('o', u / {users}),
       'u' || u || '@bench.example', 'Utilisateur ' || u, '{password_hash}', true, pg_temp.at(94608000)
FROM generate_series(0, {tenants} * {orgs} * {users} - 1) u;
INSERT INTO sign_in_emails (email, tenant_id, user_id)
SELECT 'u' || u || '@bench.example', pg_temp.id('t', (u / {users}) % {tenants}), pg_temp.id('u', u)
FROM generate_series(0, {tenants} * {orgs} * {users} - 1) u;

-- step: user_roles
INSERT INTO user_roles (tenant_id, user_id, role)
SELECT pg_temp.id('t', (u / {users}) % {tenants}), pg_temp.id('u', u), role
FROM generate_series(0, {tenants} * {orgs} * {users} - 1) u
CROSS JOIN LATERAL (VALUES ('AGENT'), ('BACK_OFFICE'), ('ORG_ADMIN'), ('COORDINATOR')) v(role)
WHERE CASE role
        WHEN 'ORG_ADMIN' THEN u % {users} = 0
        WHEN 'COORDINATOR' THEN u % {users} = 0 AND u / {users} < {tenants}
        WHEN 'AGENT' THEN u % {users} % 2 = 0
        ELSE u % {users} % 2 = 1 END;

-- step: people (chunked over people)
INSERT INTO people (tenant_id, id, organisation_id, first_name, last_name, birth_date, phone, email,
                    address, duplicate_key, created_by, created_at)
SELECT pg_temp.id('t', (p % ({tenants} * {orgs})) % {tenants}), pg_temp.id('p', p),
       pg_temp.id('o', p % ({tenants} * {orgs})), 'Prénom' || p, 'Nom' || p,
       DATE '1950-01-01' + floor(pg_temp.r(p, 1) * 20000)::int, '0600000000', NULL,
       p || ' rue de la République', 'nom' || p || '|prenom' || p,
       pg_temp.id('u', (p % ({tenants} * {orgs})) * {users}), pg_temp.at(94608000)
FROM generate_series({from}, {to}) p;
INSERT INTO consents (tenant_id, id, person_id, organisation_id, purposes, data_categories, method,
                      collected_by, collected_at, expires_at, evidence, text_version)
SELECT pg_temp.id('t', (p % ({tenants} * {orgs})) % {tenants}), pg_temp.id('c', p), pg_temp.id('p', p),
       pg_temp.id('o', p % ({tenants} * {orgs})), 'ORIENTATION', 'IDENTITY', 'ORAL',
       pg_temp.id('u', (p % ({tenants} * {orgs})) * {users}), pg_temp.at(94608000), NULL, NULL, 'v1'
FROM generate_series({from}, {to}) p;
-- Every consent names its tenant's big CAF, so the load generator can refer anyone there.
INSERT INTO consent_recipients (tenant_id, consent_id, organisation_id)
SELECT pg_temp.id('t', (p % ({tenants} * {orgs})) % {tenants}), pg_temp.id('c', p),
       pg_temp.id('o', (p % ({tenants} * {orgs})) % {tenants})
FROM generate_series({from}, {to}) p
WHERE p % ({tenants} * {orgs}) >= {tenants};

-- step: referrals (chunked over referrals)
WITH g AS (
  SELECT i, floor(pg_temp.r(i, 2) * {people})::bigint AS p, pg_temp.r(i, 3) AS r_to,
         pg_temp.r(i, 4) AS r_k, pg_temp.r(i, 5) AS r_st, pg_temp.r(i, 6) AS r_age,
         pg_temp.r(i, 7) AS r_due, pg_temp.r(i, 8) AS r_sv, pg_temp.r(i, 9) AS r_u
  FROM generate_series({from}, {to}) i),
o AS (  -- from: the person's organisation, as (tenant, rank k within the tenant)
  SELECT g.*, (p % ({tenants} * {orgs})) % {tenants} AS t, (p % ({tenants} * {orgs})) / {tenants} AS k_from FROM g),
d AS (  -- to: the big CAF (k = 0) one time in ten, else another organisation of the tenant
  SELECT o.*,
         CASE WHEN r_to < 0.10 AND k_from <> 0 THEN 0
              WHEN k_from = 0 THEN 1 + floor(r_k * ({orgs} - 1))::bigint
              ELSE (1 + floor(r_k * ({orgs} - 2))::bigint) + CASE WHEN 1 + floor(r_k * ({orgs} - 2))::bigint >= k_from THEN 1 ELSE 0 END
         END AS k_to,
         CASE WHEN r_st < 0.55 THEN 'COMPLETED' WHEN r_st < 0.68 THEN 'DECLINED'
              WHEN r_st < 0.80 THEN 'CANCELLED' WHEN r_st < 0.87 THEN 'SENT'
              WHEN r_st < 0.91 THEN 'ACKNOWLEDGED' WHEN r_st < 0.94 THEN 'INFO_REQUESTED'
              ELSE 'ACCEPTED' END AS st
  FROM o),
a AS (  -- age in seconds: final ones over two years, open ones within 60 days
  SELECT d.*, d.t + {tenants} * d.k_from AS org_from, d.t + {tenants} * d.k_to AS org_to,
         CASE WHEN st IN ('COMPLETED','DECLINED','CANCELLED') THEN r_age * 63072000 ELSE r_age * 5184000 END AS age
  FROM d)
INSERT INTO referrals (tenant_id, id, person_id, consent_id, from_organisation_id, to_organisation_id,
    service_id, created_by, motive, urgency, status, version, due_at, paused_at, assignee_id,
    parent_id, root_id, outcome, decline_reason, created_at, updated_at, closed_at)
SELECT pg_temp.id('t', t), pg_temp.id('r', i), pg_temp.id('p', p), pg_temp.id('c', p),
       pg_temp.id('o', org_from), pg_temp.id('o', org_to),
       pg_temp.id('s', org_to * 3 + floor(r_sv * 3)::bigint),
       pg_temp.id('u', org_from * {users}),
       'Accompagnement vers l''emploi et aide aux démarches administratives, dossier ' || i,
       CASE WHEN r_u < 0.1 THEN 'URGENT' ELSE 'STANDARD' END, st,
       CASE st WHEN 'SENT' THEN 1 WHEN 'ACKNOWLEDGED' THEN 2 WHEN 'CANCELLED' THEN 2
               WHEN 'DECLINED' THEN 3 WHEN 'INFO_REQUESTED' THEN 3 WHEN 'ACCEPTED' THEN 3 ELSE 4 END,
       pg_temp.at(age - (10 + r_due * 30) * 86400),
       CASE WHEN st = 'INFO_REQUESTED' THEN pg_temp.at(age / 2) END,
       -- assigned to a back-office user (odd u) of the receiver once acknowledged
       CASE WHEN st IN ('SENT','CANCELLED') THEN NULL ELSE pg_temp.id('u', org_to * {users} + 1) END,
       NULL, pg_temp.id('r', i),
       CASE WHEN st = 'COMPLETED' THEN 'RIGHT_OPENED' END,
       CASE WHEN st = 'DECLINED' THEN 'NOT_ELIGIBLE' END,
       pg_temp.at(age), pg_temp.at(CASE WHEN st = 'SENT' THEN age ELSE age / 2 END),
       CASE WHEN st IN ('COMPLETED','DECLINED','CANCELLED') THEN pg_temp.at(age / 2) END
FROM a;

-- step: timeline (chunked over referrals)
-- One line per transition, at created_at, 1/4 and 1/2 of the referral's age: CREATE; then
-- ACKNOWLEDGE (all but SENT and CANCELLED), then ACCEPT / DECLINE / REQUEST_INFO / CANCEL, then
-- COMPLETE. Event ids: 4·i + step.
INSERT INTO referral_events (tenant_id, id, referral_id, at, kind, actor_id, actor_organisation_id,
                             comment, from_status, to_status)
SELECT r.tenant_id, pg_temp.id('e', i * 4 + e.step), r.id,
       r.created_at + (r.updated_at - r.created_at) * e.frac, e.kind,
       CASE WHEN e.by_sender THEN r.created_by ELSE coalesce(r.assignee_id, r.created_by) END,
       CASE WHEN e.by_sender THEN r.from_organisation_id ELSE r.to_organisation_id END,
       NULL, e.from_status, e.to_status
FROM generate_series({from}, {to}) i
JOIN referrals r ON r.tenant_id = pg_temp.id('t', ((floor(pg_temp.r(i, 2) * {people})::bigint) % ({tenants} * {orgs})) % {tenants})
                AND r.id = pg_temp.id('r', i)
CROSS JOIN LATERAL (VALUES
    (0, 'CREATE', NULL, 'SENT', 0.0, true, true),
    (1, 'ACKNOWLEDGE', 'SENT', 'ACKNOWLEDGED', 0.25, false, r.status NOT IN ('SENT','CANCELLED')),
    (2, 'ACCEPT', 'ACKNOWLEDGED', 'ACCEPTED', 0.5, false, r.status IN ('ACCEPTED','COMPLETED')),
    (2, 'DECLINE', 'ACKNOWLEDGED', 'DECLINED', 1.0, false, r.status = 'DECLINED'),
    (2, 'REQUEST_INFO', 'ACKNOWLEDGED', 'INFO_REQUESTED', 0.5, false, r.status = 'INFO_REQUESTED'),
    (2, 'CANCEL', 'SENT', 'CANCELLED', 1.0, true, r.status = 'CANCELLED'),
    (3, 'COMPLETE', 'ACCEPTED', 'COMPLETED', 1.0, false, r.status = 'COMPLETED')
  ) e(step, kind, from_status, to_status, frac, by_sender, applies)
WHERE e.applies;

-- step: consent recipients of the referrals
INSERT INTO consent_recipients (tenant_id, consent_id, organisation_id)
SELECT DISTINCT tenant_id, consent_id, to_organisation_id FROM referrals
ON CONFLICT DO NOTHING;

-- step: analyze
ANALYZE;
