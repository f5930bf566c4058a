-- Migration 2: the registered 印影 as a picture. The portable part: how the demo drew it
-- (center/registry/impressions.py), empty for a scanned one. The picture's column is per
-- dialect (BLOB / BYTEA). Rows loaded before have neither: load the registry again.
ALTER TABLE seals ADD COLUMN image_recipe TEXT NOT NULL DEFAULT ''
