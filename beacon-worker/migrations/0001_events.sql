-- Beacon events stored by the edge worker when BEACON_SINK = "d1".
-- One row per validated event; no IP address, no visitor identifier.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,  -- milliseconds since the Unix epoch, worker clock
  kind TEXT NOT NULL,  -- view | click | share | save | video
  artist TEXT NOT NULL,  -- artist slug
  link TEXT NOT NULL,  -- Smart Link slug
  service TEXT,  -- service id, clicks only
  country TEXT,  -- ISO 3166-1 alpha-2 from the edge, NULL when unknown
  referrer TEXT,  -- origin only, e.g. https://l.instagram.com
  utm_source TEXT,
  utm_medium TEXT,
  utm_campaign TEXT,
  utm_term TEXT,
  utm_content TEXT,
  device TEXT NOT NULL,  -- mobile | tablet | desktop
  locale TEXT  -- e.g. fr-FR
);

CREATE INDEX events_by_link_time ON events (artist, link, ts);
