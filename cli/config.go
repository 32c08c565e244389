package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/retort-sql/retort/engine"
)

// DefaultConfigFile is the configuration file read when --config is not
// given and the file exists in the working directory.
const DefaultConfigFile = "migrate.toml"

// DefaultURL is the database used when no URL is configured anywhere.
const DefaultURL = "sqlite:migrate.db"

// DefaultDir is the script directory used when neither --dir nor
// script_location is set.
const DefaultDir = "migrations"

// fileConfig is the content of migrate.toml.
type fileConfig struct {
	ScriptLocation  string `toml:"script_location"`
	URL             string `toml:"url"`
	VersionTable    string `toml:"version_table"`
	TransactionMode string `toml:"transaction_mode"`
	Lock            string `toml:"lock"`
	LockLease       string `toml:"lock_lease"`
	HistoryTable    string `toml:"history_table"`
}

// ConfigError reports a problem in a configuration file, at Line when known.
type ConfigError struct {
	Path string
	Line int
	Err  error
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ErrUnknownKey is wrapped by a [ConfigError] for a key migrate.toml does
// not define.
var ErrUnknownKey = errors.New("unknown key")

// loadConfigFile reads path. explicit says the user named the file, so a
// missing file is an error; otherwise a missing file yields a zero config.
func loadConfigFile(path string, explicit bool) (fileConfig, bool, error) {
	var fc fileConfig
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return fc, false, nil
		}
		return fc, false, fmt.Errorf("read config: %w", err)
	}
	fc, err = parseConfig(path, data)
	return fc, err == nil, err
}

// parseConfig decodes the text of a config file. Every error is a
// *ConfigError naming path and, where known, the line.
func parseConfig(path string, data []byte) (fileConfig, error) {
	var fc fileConfig
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		var strict *toml.StrictMissingError
		var derr *toml.DecodeError
		switch {
		case errors.As(err, &strict) && len(strict.Errors) > 0:
			first := strict.Errors[0]
			row, _ := first.Position()
			return fc, &ConfigError{Path: path, Line: row,
				Err: fmt.Errorf("%w %q (known keys: script_location, url, version_table, history_table, transaction_mode, lock, lock_lease)",
					ErrUnknownKey, strings.Join(first.Key(), "."))}
		case errors.As(err, &derr):
			row, _ := derr.Position()
			return fc, &ConfigError{Path: path, Line: row, Err: errors.New(derr.Error())}
		}
		return fc, &ConfigError{Path: path, Err: err}
	}
	if fc.TransactionMode != "" {
		if _, err := parseTxMode(fc.TransactionMode); err != nil {
			return fc, &ConfigError{Path: path, Line: keyLine(data, "transaction_mode"), Err: err}
		}
	}
	if fc.Lock != "" {
		if err := checkLock(fc.Lock); err != nil {
			return fc, &ConfigError{Path: path, Line: keyLine(data, "lock"), Err: err}
		}
	}
	if fc.LockLease != "" {
		if _, err := parseLease(fc.LockLease); err != nil {
			return fc, &ConfigError{Path: path, Line: keyLine(data, "lock_lease"), Err: err}
		}
	}
	return fc, nil
}

// parseLease parses the lease duration of the lease lock.
func parseLease(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("invalid lock_lease %q (want a duration of at least 1s, such as 30s)", s)
	}
	return d, nil
}

// Migration lock kinds (--lock, the lock key).
const (
	lockAdvisory = "advisory"
	lockLease    = "lease"
)

func checkLock(s string) error {
	switch s {
	case "", lockAdvisory, lockLease:
		return nil
	}
	return fmt.Errorf("invalid lock %q (want advisory or lease)", s)
}

// keyLine returns the 1-based line where key is assigned, or 0.
func keyLine(data []byte, key string) int {
	for i, line := range strings.Split(string(data), "\n") {
		k, _, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == key {
			return i + 1
		}
	}
	return 0
}

func parseTxMode(s string) (engine.TxMode, error) {
	switch s {
	case "", "run":
		return engine.TxPerRun, nil
	case "revision":
		return engine.TxPerRevision, nil
	}
	return 0, fmt.Errorf("invalid transaction mode %q (want run or revision)", s)
}

// settings are the resolved global options of one invocation.
type settings struct {
	ConfigFile   string // the file read, or ""
	ConfigKind   string // configRetort or configAlembic, when ConfigFile is set
	Alembic      alembicConfig
	Notes        []string // debug notes about the config file (keys ignored)
	Dir          string
	URL          string
	URLSource    string // "--url", "MIGRATE_URL", "DATABASE_URL", the config file, or "default"
	VersionTable string
	HistoryTable string
	TxMode       engine.TxMode
	Lock         string        // "", "advisory" or "lease"
	LockLease    time.Duration // 0: the lease lock's default
}

// resolve applies the precedence rules: flag > environment > config file >
// default.
func (g *globalFlags) resolve(getenv func(string) string) (settings, error) {
	var s settings
	path, explicit := g.config, g.config != ""
	if !explicit {
		path = discoverConfig()
	}
	var fc fileConfig
	var found bool
	var err error
	if isAlembicConfig(path) {
		s.Alembic, err = loadAlembicProject(path)
		if err != nil {
			return s, err
		}
		found, s.Notes = true, s.Alembic.Notes
		fc = fileConfig{ScriptLocation: s.Alembic.scriptDir(), URL: s.Alembic.URL,
			VersionTable: firstNonEmpty(s.Alembic.VersionTable, AlembicVersionTable)}
		s.ConfigKind = configAlembic
	} else if fc, found, err = loadConfigFile(path, explicit); err != nil {
		return s, err
	} else if found {
		s.ConfigKind = configRetort
	}
	if found {
		s.ConfigFile = path
	}
	s.Dir = firstNonEmpty(g.dir, fc.ScriptLocation, DefaultDir)
	switch {
	case g.url != "":
		s.URL, s.URLSource = g.url, "--url"
	case getenv("MIGRATE_URL") != "":
		s.URL, s.URLSource = getenv("MIGRATE_URL"), "MIGRATE_URL"
	case getenv("DATABASE_URL") != "":
		s.URL, s.URLSource = getenv("DATABASE_URL"), "DATABASE_URL"
	case fc.URL != "":
		s.URL, s.URLSource = fc.URL, path
	default:
		s.URL, s.URLSource = DefaultURL, "default"
	}
	s.VersionTable = firstNonEmpty(g.versionTable, fc.VersionTable)
	mode := firstNonEmpty(g.txMode, fc.TransactionMode)
	if s.TxMode, err = parseTxMode(mode); err != nil {
		return s, usageErrorf("--tx-mode: %v", err)
	}
	if err := checkLock(g.lock); err != nil {
		return s, usageErrorf("--lock: %v", err)
	}
	s.Lock = firstNonEmpty(g.lock, fc.Lock)
	s.HistoryTable = firstNonEmpty(g.historyTable, fc.HistoryTable)
	switch {
	case g.lockLease < 0 || (g.lockLease > 0 && g.lockLease < time.Second):
		return s, usageErrorf("--lock-lease: %s is too short (want at least 1s)", g.lockLease)
	case g.lockLease > 0:
		s.LockLease = g.lockLease
	case fc.LockLease != "":
		s.LockLease, _ = parseLease(fc.LockLease) // checked by parseConfig
	}
	return s, nil
}

// discoverConfig names the config file read when --config is not given:
// migrate.toml, else an Alembic project's alembic.ini, else a
// pyproject.toml with a [tool.alembic] table; migrate.toml (absent) when
// there is none.
func discoverConfig() string {
	for _, p := range []string{DefaultConfigFile, "alembic.ini"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if hasToolAlembic("pyproject.toml") {
		return "pyproject.toml"
	}
	return DefaultConfigFile
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
