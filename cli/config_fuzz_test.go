package cli

import (
	"errors"
	"testing"
)

// FuzzParseConfig feeds arbitrary text to the migrate.toml parser: it must
// never panic, every error must be a *ConfigError naming the file, and an
// accepted file holds only valid transaction modes and locks.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"",
		"script_location = \"migrations\"\nurl = \"sqlite:app.db\"\n",
		"version_table = \"app.migrate_version\"\ntransaction_mode = \"revision\"\nlock = \"lease\"\n",
		"unknown = 1\n",
		"transaction_mode = \"sometimes\"\n",
		"url = [1, 2]\n",
		"[section]\nkey = \"v\"\n",
		"url = \"postgres://u:pw@h/db\"\nurl = \"again\"\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := parseConfig("migrate.toml", data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Path != "migrate.toml" {
				t.Fatalf("error %v (%T) is not a ConfigError naming the file", err, err)
			}
			return
		}
		if _, err := parseTxMode(fc.TransactionMode); err != nil {
			t.Fatalf("accepted transaction_mode %q", fc.TransactionMode)
		}
		if err := checkLock(fc.Lock); err != nil {
			t.Fatalf("accepted lock %q", fc.Lock)
		}
	})
}
