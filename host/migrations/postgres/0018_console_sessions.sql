-- Web console sessions: signing in with a token opens one; the browser holds only
-- the session's random id in an HttpOnly, SameSite=Strict cookie, stored here as
-- sha256 like tokens. The session stands for the token it was opened with, so
-- the caller's rights are resolved anew on every request (a suspended member or
-- a revoked token is refused at once). `csrf` is the form token every POST of
-- the session must carry.
CREATE TABLE console_sessions (
    id_hash    TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
