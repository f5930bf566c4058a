-- SQLite part of migration 2: the 印影 picture, a 1-bit PNG.
ALTER TABLE seals ADD COLUMN image BLOB NOT NULL DEFAULT x''
