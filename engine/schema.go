package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/retort-sql/retort/adapter"
)

// ErrSystemSchema is returned for a target whose Config.Schema belongs to
// the database itself (pg_catalog, information_schema, pg_toast,
// pg_temp_N, …). Fleets report such targets as skipped.
var ErrSystemSchema = errors.New("system schema: never migrated")

// checkSchema refuses, before any connection is made, a Schema that cannot
// be a target.
func checkSchema(cfg Config) error {
	if cfg.Schema == "" {
		return nil
	}
	if cfg.Conn != nil {
		return fmt.Errorf("schema %s: Config.Schema does not combine with a shared Conn; set search_path on it yourself", cfg.Schema)
	}
	if systemSchema(cfg) {
		return fmt.Errorf("schema %s: %w", cfg.Schema, ErrSystemSchema)
	}
	return nil
}

// systemSchema reports whether cfg.Schema is a system schema of the
// database cfg names, as far as that is known without connecting.
func systemSchema(cfg Config) bool {
	if cfg.Schema == "" {
		return false
	}
	d, err := offlineDialect(&cfg)
	if err != nil {
		return false
	}
	sc, ok := d.(adapter.SchemaScoper)
	return ok && sc.SystemSchema(cfg.Schema)
}

// scoped points c at the engine's schema and returns the function that
// resets it and gives it back. Every connection is set when taken, so a
// connection whose reset failed never runs a target in the wrong schema.
func (e *Engine) scoped(ctx context.Context, c adapter.Conn) (adapter.Conn, func(), error) {
	if _, err := c.Exec(ctx, e.scope.UseSchema(e.cfg.Schema)); err != nil {
		c.Release()
		return nil, nil, fmt.Errorf("schema %s: %w", e.cfg.Schema, err)
	}
	return c, func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if _, err := c.Exec(rctx, e.scope.ResetSchema()); err != nil {
			e.cfg.Logger.Warn().Err(err).Str("schema", e.cfg.Schema).Msg("reset the connection's schema")
		}
		c.Release()
	}, nil
}
