package cli

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseAlembicINI feeds arbitrary text to the alembic.ini reader: it
// must never panic or loop, every error is a *ConfigError naming the file,
// and a password in sqlalchemy.url never appears in an error.
func FuzzParseAlembicINI(f *testing.F) {
	for _, seed := range []string{
		"[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = sqlite:///app.db\n",
		"[DEFAULT]\ndb = x\n[alembic]\nsqlalchemy.url = postgresql://u:Sup3rS3cretPw@h/%(db)s\n",
		"[alembic]\nsqlalchemy.url = postgresql://u:p%%40ss@h/db\nversion_locations = a b\n    c\n",
		"[alembic]\na = %(b)s\nb = %(a)s\n",
		"[alembic\n",
		"key = value\n",
		"[alembic]\nsqlalchemy.url = %\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ac, err := parseAlembicINI("alembic.ini", data, "/project")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Path != "alembic.ini" {
				t.Fatalf("error %v (%T) is not a ConfigError naming the file", err, err)
			}
			if strings.Contains(string(data), "Sup3rS3cretPw") && strings.Contains(err.Error(), "Sup3rS3cretPw") {
				t.Fatalf("error shows the password: %v", err)
			}
			return
		}
		_ = ac.scriptDir()
	})
}
