-- Email addresses are compared case-insensitively when a person joins (identities/lifecycle.ts) and when an
-- HR import names a manager or a returning person (identity-import/apply.ts). ILIKE cannot use the unique
-- btree index on "email", so each check scanned the directory: an HR import applied ~27 joiners a second.
-- An expression index answers lower("email") = $1 directly. It is not unique: addresses stored before
-- lifecycle.ts lower-cased them may differ only in case. Hand-written (Prisma's schema language has no
-- expression indexes); later diffs ignore it.
CREATE INDEX "Identity_email_lower" ON "Identity" (lower("email"));
