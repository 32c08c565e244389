// Command service is a service that brings its PostgreSQL schema up to date
// at start-up, before it serves anything.
//
// It builds its own *pgxpool.Pool (the one the rest of the service uses),
// hands it to the engine with postgres.FromPool, and upgrades to head from
// scripts embedded in the binary. Run it as many replicas as you like: the
// engine takes a PostgreSQL advisory lock around every run, so replicas that
// start together queue on the lock, each revision runs exactly once, and the
// waiters find the database at head and go on.
//
//	DATABASE_URL=postgres://app@localhost:5432/app go run ./examples/service
//	DATABASE_URL=postgres://app@localhost:5432/app go run ./examples/service -once
//
// With -once it prints the current revision and exits instead of serving.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
)

// migrations holds the revision scripts, compiled into the binary: the
// service needs no files beside it.
//
//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	once := flag.Bool("once", false, "migrate, print the current revision and exit")
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve on")
	migrateTimeout := flag.Duration("migrate-timeout", 2*time.Minute, "how long start-up may spend migrating (lock wait included)")
	flag.Parse()

	// SIGTERM (Kubernetes stopping the pod) or Ctrl-C cancels ctx; a
	// migration in flight then rolls back and releases its lock.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Stdout, os.Getenv("DATABASE_URL"), *addr, *once, *migrateTimeout); err != nil {
		fmt.Fprintf(os.Stderr, "service: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, url, addr string, once bool, migrateTimeout time.Duration) error {
	if url == "" {
		return errors.New("DATABASE_URL is not set")
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()

	if err := migrate(ctx, out, pool, migrateTimeout); err != nil {
		return err
	}
	rev, err := currentRevision(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "current: %s\n", rev)
	if once {
		return nil
	}
	return serve(ctx, out, addr, pool)
}

// migrate upgrades the database to head under a timeout. The engine borrows
// the service's pool (postgres.FromPool) and takes one connection from it
// for the run; Close leaves the pool open, since the service owns it.
//
// Replica safety comes from the engine, not from this code: Upgrade first
// reads the version table without a lock and returns at once when the
// database is already at head; otherwise it takes the advisory lock, reads
// the version rows again under it, and applies only what is still missing.
func migrate(ctx context.Context, out io.Writer, pool *pgxpool.Pool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	eng, err := engine.Open(ctx, engine.Config{
		Pool:    postgres.FromPool(pool),
		Scripts: migrations,
		// The directory inside the embed.FS.
		ScriptDir: "migrations",
	})
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	defer eng.Close()

	res, err := eng.Upgrade(ctx, "head")
	if err != nil {
		// Whole-run transaction (the default): nothing of this run is
		// left behind, and a replica restarting will try again.
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(out, "migrated: %s -> %s (%d applied)\n", revs(res.From), revs(res.To), len(res.Applied))
	return nil
}

// currentRevision reads the version table through a second, short-lived
// engine call; a real service might keep the engine for health checks.
func currentRevision(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	eng, err := engine.Open(ctx, engine.Config{Pool: postgres.FromPool(pool), Scripts: migrations, ScriptDir: "migrations"})
	if err != nil {
		return "", err
	}
	defer eng.Close()
	cur, err := eng.Current(ctx)
	if err != nil {
		return "", fmt.Errorf("current revision: %w", err)
	}
	return revs(cur), nil
}

func serve(ctx context.Context, out io.Writer, addr string, pool *pgxpool.Pool) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		rev, err := currentRevision(r.Context(), pool)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ok %s\n", rev)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(out, "serving on %s\n", addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func revs(r []string) string {
	if len(r) == 0 {
		return "<base>"
	}
	return strings.Join(r, ",")
}
