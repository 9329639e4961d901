-- Analyst views, SQLite edition (revision 0002).
-- views_0002.postgresql.sql holds the same views in the same order; only date arithmetic differs.
-- SQLite stores timestamps as UTC text and date('now') is the UTC date, matching the PostgreSQL edition.
-- Integer division truncates in SQLite, hence the 1.0 * factors.

DROP VIEW IF EXISTS v_current_inventory;
CREATE VIEW v_current_inventory AS
SELECT
    a.asset_id, a.asset_tag, a.serial_number, a.manufacturer, a.model, a.asset_type, a.is_virtual,
    a.hostname, a.primary_user, a.status, a.location, a.cost_center, a.os, a.os_version,
    a.purchase_date, a.purchase_cost, a.currency, a.warranty_end, a.first_seen_at, a.last_seen_at,
    CAST(julianday('now') - julianday(a.last_seen_at) AS INTEGER) AS days_since_seen,
    COALESCE(l.source_count, 0) AS source_count
FROM assets a
LEFT JOIN (
    SELECT asset_id, COUNT(DISTINCT source) AS source_count
    FROM asset_source_records
    WHERE NOT superseded
    GROUP BY asset_id
) l ON l.asset_id = a.asset_id
WHERE a.status NOT IN ('retired', 'disposed');

DROP VIEW IF EXISTS v_warranty_expiring;
CREATE VIEW v_warranty_expiring AS
SELECT
    a.asset_id, a.asset_tag, a.serial_number, a.manufacturer, a.model, a.asset_type, a.primary_user,
    a.location, a.cost_center, a.status, a.warranty_end,
    CAST(julianday(a.warranty_end) - julianday(date('now')) AS INTEGER) AS days_left,
    CASE
        WHEN julianday(a.warranty_end) - julianday(date('now')) <= 30 THEN 30
        WHEN julianday(a.warranty_end) - julianday(date('now')) <= 60 THEN 60
        ELSE 90
    END AS expires_within_days
FROM assets a
WHERE a.status NOT IN ('retired', 'disposed')
  AND a.warranty_end >= date('now')
  AND a.warranty_end <= date('now', '+90 days');

DROP VIEW IF EXISTS v_stale_missing_assets;
CREATE VIEW v_stale_missing_assets AS
SELECT
    a.asset_id, a.asset_tag, a.serial_number, a.hostname, a.manufacturer, a.model, a.asset_type,
    a.primary_user, a.location, a.cost_center, a.status, h.valid_from AS status_since, a.last_seen_at,
    CAST(julianday('now') - julianday(a.last_seen_at) AS INTEGER) AS days_since_seen
FROM assets a
LEFT JOIN asset_status_history h ON h.asset_id = a.asset_id AND h.valid_to IS NULL
WHERE a.status IN ('stale', 'missing');

DROP VIEW IF EXISTS v_assets_per_user;
CREATE VIEW v_assets_per_user AS
SELECT
    primary_user,
    COUNT(*) AS asset_count,
    SUM(CASE WHEN asset_type = 'laptop' THEN 1 ELSE 0 END) AS laptops,
    SUM(CASE WHEN asset_type = 'desktop' THEN 1 ELSE 0 END) AS desktops,
    SUM(CASE WHEN asset_type = 'mobile_phone' THEN 1 ELSE 0 END) AS mobile_phones,
    SUM(CASE WHEN asset_type = 'tablet' THEN 1 ELSE 0 END) AS tablets,
    SUM(CASE WHEN asset_type IN ('laptop', 'desktop', 'mobile_phone', 'tablet') THEN 0 ELSE 1 END) AS other_assets
FROM assets
WHERE status NOT IN ('retired', 'disposed') AND primary_user IS NOT NULL
GROUP BY primary_user;

DROP VIEW IF EXISTS v_assets_per_cost_center;
CREATE VIEW v_assets_per_cost_center AS
WITH aged AS (
    SELECT
        cost_center, currency, purchase_cost, depreciation_method, useful_life_months, purchase_date,
        -- Whole months completed, as PostgreSQL's age(): a month counts once its day-of-month is reached.
        MAX(
            0,
            (CAST(strftime('%Y', 'now') AS INTEGER) - CAST(strftime('%Y', purchase_date) AS INTEGER)) * 12
            + (CAST(strftime('%m', 'now') AS INTEGER) - CAST(strftime('%m', purchase_date) AS INTEGER))
            - (CASE WHEN CAST(strftime('%d', 'now') AS INTEGER) < CAST(strftime('%d', purchase_date) AS INTEGER)
                    THEN 1 ELSE 0 END)
        ) AS months_in_use
    FROM assets
    WHERE status NOT IN ('retired', 'disposed')
), valued AS (
    SELECT
        cost_center, currency, purchase_cost,
        CASE
            WHEN depreciation_method = 'straight_line' AND useful_life_months > 0 AND purchase_date IS NOT NULL
            THEN purchase_cost * MAX(0, 1 - 1.0 * months_in_use / useful_life_months)
        END AS book_value
    FROM aged
)
SELECT
    cost_center,
    currency,
    COUNT(*) AS asset_count,
    ROUND(SUM(purchase_cost), 2) AS total_purchase_cost,
    ROUND(SUM(book_value), 2) AS book_value
FROM valued
GROUP BY cost_center, currency;

DROP VIEW IF EXISTS v_lifecycle_durations;
CREATE VIEW v_lifecycle_durations AS
SELECT
    asset_id,
    status,
    COUNT(*) AS periods,
    ROUND(SUM(julianday(COALESCE(valid_to, 'now')) - julianday(valid_from)), 2) AS days_in_status,
    MIN(valid_from) AS first_entered_at,
    MAX(CASE WHEN valid_to IS NULL THEN 1 ELSE 0 END) AS is_current
FROM asset_status_history
GROUP BY asset_id, status;

DROP VIEW IF EXISTS v_source_coverage;
CREATE VIEW v_source_coverage AS
SELECT
    a.asset_id, a.asset_tag, a.serial_number, a.hostname, a.status,
    COUNT(DISTINCT l.source) AS source_count,
    -- SQLite 3.40 has no ORDER BY inside aggregates: concatenate from an ordered subquery.
    (
        SELECT group_concat(source, ',')
        FROM (
            SELECT DISTINCT source FROM asset_source_records s
            WHERE s.asset_id = a.asset_id AND NOT s.superseded
            ORDER BY source
        )
    ) AS sources,
    CASE WHEN COUNT(DISTINCT l.source) = 1 THEN MIN(l.source) END AS only_source
FROM assets a
LEFT JOIN asset_source_records l ON l.asset_id = a.asset_id AND NOT l.superseded
GROUP BY a.asset_id, a.asset_tag, a.serial_number, a.hostname, a.status;

DROP VIEW IF EXISTS v_data_quality_per_source;
CREATE VIEW v_data_quality_per_source AS
WITH last_run AS (
    SELECT s.*
    FROM sync_runs s
    WHERE s.status = 'succeeded' AND s.source <> '*'
      AND s.finished_at = (
          SELECT MAX(s2.finished_at) FROM sync_runs s2 WHERE s2.source = s.source AND s2.status = 'succeeded'
      )
), links AS (
    SELECT
        source,
        SUM(CASE WHEN superseded THEN 0 ELSE 1 END) AS linked_records,
        SUM(CASE WHEN superseded THEN 1 ELSE 0 END) AS superseded_records,
        COUNT(DISTINCT asset_id) AS assets_linked
    FROM asset_source_records
    GROUP BY source
), serials AS (
    SELECT source, COUNT(DISTINCT asset_id) AS assets_with_serial
    FROM asset_identifiers
    WHERE id_type = 'serial_key'
    GROUP BY source
), quarantined AS (
    SELECT source, COUNT(*) AS quarantined_total FROM quarantine GROUP BY source
), sources AS (
    SELECT source FROM links UNION SELECT source FROM last_run UNION SELECT source FROM quarantined
)
SELECT
    s.source,
    r.run_id AS last_run_id,
    r.finished_at AS last_run_at,
    r.records_in,
    r.quarantined AS quarantined_last_run,
    ROUND(1.0 * r.quarantined / NULLIF(r.records_in, 0), 4) AS quarantine_rate,
    r.with_serial AS with_serial_last_run,
    r.junk_serial AS junk_serial_last_run,
    COALESCE(l.linked_records, 0) AS linked_records,
    COALESCE(l.superseded_records, 0) AS superseded_records,
    COALESCE(l.assets_linked, 0) AS assets_linked,
    COALESCE(se.assets_with_serial, 0) AS assets_with_serial,
    ROUND(1.0 * COALESCE(se.assets_with_serial, 0) / NULLIF(l.assets_linked, 0), 4) AS serial_coverage,
    COALESCE(q.quarantined_total, 0) AS quarantined_total
FROM sources s
LEFT JOIN last_run r ON r.source = s.source
LEFT JOIN links l ON l.source = s.source
LEFT JOIN serials se ON se.source = s.source
LEFT JOIN quarantined q ON q.source = s.source;

DROP VIEW IF EXISTS v_top_incident_assets;
CREATE VIEW v_top_incident_assets AS
SELECT
    a.asset_id, a.asset_tag, a.serial_number, a.hostname, a.model, a.primary_user, a.status,
    COUNT(*) AS incidents_90d,
    MAX(i.opened_at) AS last_incident_at
FROM incident_links il
JOIN incidents i ON i.incident_id = il.incident_id
JOIN assets a ON a.asset_id = il.asset_id
WHERE julianday(i.opened_at) >= julianday('now') - 90
GROUP BY a.asset_id, a.asset_tag, a.serial_number, a.hostname, a.model, a.primary_user, a.status
ORDER BY incidents_90d DESC, a.asset_id;
