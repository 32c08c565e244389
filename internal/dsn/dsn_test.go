package dsn_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/retort-sql/retort/internal/dsn"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		kind dsn.Kind
		path string
	}{
		{"postgres://app@localhost:5432/app", dsn.Postgres, ""},
		{"postgresql://app:pw@db.example.com/app?sslmode=require", dsn.Postgres, ""},
		{"postgres://u:pw@h1:5432,h2:5433/app", dsn.Postgres, ""},
		{"postgres:///app?host=/var/run/postgresql", dsn.Postgres, ""},
		{"  postgres://app@localhost/app\n", dsn.Postgres, ""},
		{"sqlite:app.db", dsn.SQLite, "app.db"},
		{"sqlite:./data/app.db", dsn.SQLite, "./data/app.db"},
		{"sqlite:/var/lib/app.db", dsn.SQLite, "/var/lib/app.db"},
		{"sqlite:///var/lib/app.db", dsn.SQLite, "var/lib/app.db"},
		{"sqlite:////var/lib/app.db", dsn.SQLite, "/var/lib/app.db"},
		{"sqlite:///rel/app.db", dsn.SQLite, "rel/app.db"},
		{"sqlite://", dsn.SQLite, ":memory:"},
		{"sqlite:///:memory:", dsn.SQLite, ":memory:"},
		{"sqlite::memory:", dsn.SQLite, ":memory:"},
		{"sqlite:app.db?_busy=5000", dsn.SQLite, "app.db"},
		{"sqlite:dir with space/app.db", dsn.SQLite, "dir with space/app.db"},
	} {
		t.Run(tt.raw, func(t *testing.T) {
			d, err := dsn.Parse(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind || d.Path != tt.path || d.URL != strings.TrimSpace(tt.raw) {
				t.Fatalf("Parse = %+v, want kind %v path %q", d, tt.kind, tt.path)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		raw         string
		unsupported bool     // errors.Is(err, ErrUnsupported)
		want        []string // substrings of the message
	}{
		{"", true, []string{"empty URL"}},
		{"   ", true, []string{"empty URL"}},
		{"oracle://root:Sup3rS3cretPw@db/app", true, []string{`scheme "oracle"`}},
		{"sqlite://rel/app.db", false, []string{"names no host", "sqlite:///relative.db"}},
		{"postgres://app:Sup3rS3cretPw@Vault:tail@host/db", false, []string{"postgres://<unparseable>", "more than one @", "%40"}},
		{"postgresql+asyncpg://app:Sup3rS3cretPw@Vault:tail@host/db", false, []string{"postgresql://<unparseable>"}},
		{"host=db user=app password='Sup3rS3cretPw", false, []string{"unterminated quoted value of password"}},
		{"host=db user=app =Sup3rS3cretPw", false, []string{"no valid keyword"}},
		{"host=db user=app Sup3rS3cretPw", false, []string{"no '='"}},
		{"postgresql+://app:Sup3rS3cretPw@db/app", true, []string{"family+driver"}},
		{"postgres:u:Sup3rS3cretPw@host/app", true, []string{`scheme "postgres" needs //host`}},
		{"app.db", true, []string{"app.db", "sqlite:PATH"}},
		{"sqlite:", false, []string{"no file path"}},
		{"sqlite:?mode=ro", false, []string{"no file path"}},
		{"postgres://u:Sup3rS3cretPw@[::1/app", false, []string{"postgres://", "malformed: bad host or port"}},
		{"postgres://u:Sup3rS3cretPw@host:port/app", false, []string{"postgres://", "malformed: bad host or port"}},
		{"postgres://u:Sup3r/S3cretPw@host/app", false, []string{"malformed: bad host or port", "percent-encode"}},
		{"postgres://u:Sup3r%zzS3cretPw@host/app", false, []string{"malformed: bad %-escape"}},
		{"postgres://u:Sup3r S3cretPw@host/app", false, []string{"malformed: bad character in the user name or password"}},
		{"postgres://u:Sup3rS3cretPw@ho st/app", false, []string{"malformed: bad character in the host name"}},
		{"postgres://u:Sup3rS3cretPw@host/app\x7f", false, []string{"malformed: control character"}},
		{"POSTGRES://u:Sup3rS3cretPw@host/app", true, []string{`scheme "POSTGRES"`}},
	} {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := dsn.Parse(tt.raw)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if errors.Is(err, dsn.ErrUnsupported) != tt.unsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v", err, !tt.unsupported)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "Sup3r") || strings.Contains(msg, "S3cretPw") || strings.Contains(msg, "\n") {
				t.Errorf("message leaks the password or spans lines: %q", msg)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{"postgres://app:Sup3rS3cretPw@db:5432/app?sslmode=disable", "postgres://app:xxxxx@db:5432/app?sslmode=disable"},
		{"postgresql://app:Sup3rS3cretPw@db/app", "postgresql://app:xxxxx@db/app"},
		{"postgres://app@db/app", "postgres://app@db/app"},
		{"postgres://:Sup3rS3cretPw@db/app", "postgres://:xxxxx@db/app"},
		{"postgres://app:@db/app", "postgres://app:xxxxx@db/app"},
		{"postgres://app:p%40ss%2Fw0rd@db/app", "postgres://app:xxxxx@db/app"},
		{"postgres://app@db/app?password=Sup3rS3cretPw&sslmode=disable", "postgres://app@db/app?password=xxxxx&sslmode=disable"},
		{"postgres://app:a@db/app?password=b", "postgres://app:xxxxx@db/app?password=xxxxx"},
		{"postgres://app@db/app?sslmode=disable&PASSWORD=Sup3rS3cretPw", "postgres://app@db/app?sslmode=disable&PASSWORD=xxxxx"},
		{"postgres://app@db/app?pass%77ord=Sup3rS3cretPw", "postgres://app@db/app?pass%77ord=xxxxx"},
		{"postgres://app@db/app?password=Sup3r%zzS3cretPw", "postgres://app@db/app?password=xxxxx"},
		{"postgres://app@db/app?a=1;password=Sup3rS3cretPw", "postgres://app@db/app?a=1;password=xxxxx"},
		{"postgres://app@db/app?passwords=gone", "postgres://app@db/app?passwords=xxxxx"},
		{"postgres://u:pw@host/db?sslpassword=Zq7sslKx9", "postgres://u:xxxxx@host/db?sslpassword=xxxxx"},
		{"postgres://u@host/db?sslmode=verify-full&SSLPassword=Zq7sslKx9&application_name=x", "postgres://u@host/db?sslmode=verify-full&SSLPassword=xxxxx&application_name=x"},
		{"postgresql+asyncpg://app:Sup3rS3cretPw@db/app", "postgresql+asyncpg://app:xxxxx@db/app"},
		{"mysql+pymysql://root:Sup3rS3cretPw@db/app?charset=utf8mb4", "mysql+pymysql://root:xxxxx@db/app?charset=utf8mb4"},
		{"postgres://app:Hunter2@Vault:tail@host/db", "postgres://<unparseable>"},
		{"host=db user=app password=Sup3rS3cretPw", "host=db user=app password=xxxxx"},
		{"host = db  user=app password = 'Sup3r S3cretPw' sslpassword=Zq7sslKx9 dbname='my db'", "host=db user=app password=xxxxx sslpassword=xxxxx dbname='my db'"},
		{`host=db password=Sup3r\ S3cretPw`, "host=db password=xxxxx"},
		{"host=db password='Sup3rS3cretPw", "<unparseable key=value settings>"},
		{"postgres://app@h1:5432,h2:5433/app", "postgres://app@h1:5432,h2:5433/app"},
		{"sqlite:app.db", "sqlite:app.db"},
		{"sqlite:///var/lib/app.db", "sqlite:///var/lib/app.db"},
		{"sqlite+aiosqlite:////var/lib/app.db", "sqlite+aiosqlite:////var/lib/app.db"},
		{"sqlite::memory:", "sqlite::memory:"},
		{"app.db", "app.db"},
		{"", ""},
		// Text that does not parse is cut to its scheme.
		{"postgres://u:Sup3rS3cretPw@[::1/app", "postgres://<unparseable>"},
		{"postgres://u:Sup3r/S3cretPw@db/app", "postgres://<unparseable>"},
		{"postgres://u:Sup3r#S3cretPw@db/app", "postgres://<unparseable>"},
		{"postgres://u:Sup3r%zzS3cretPw@db/app", "postgres://<unparseable>"},
		{"://u:Sup3rS3cretPw@db", "<unparseable URL>"},
		// Text that is no URL but may carry a password is not shown.
		{"user@host", "<unparseable URL>"},
		{"postgres:u:Sup3rS3cretPw@db/app", "postgres:<redacted>"},
	} {
		t.Run(tt.raw, func(t *testing.T) {
			if got := dsn.Redact(tt.raw); got != tt.want {
				t.Fatalf("Redact(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	d, err := dsn.Parse("postgres://app:Sup3rS3cretPw@db/app")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Redacted(), "postgres://app:xxxxx@db/app"; got != want {
		t.Fatalf("Redacted() = %q, want %q", got, want)
	}
	if !strings.Contains(d.URL, "Sup3rS3cretPw") {
		t.Fatal("URL lost the password the driver needs")
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[dsn.Kind]string{dsn.Postgres: "postgres", dsn.SQLite: "sqlite", 0: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

func ExampleRedact() {
	fmt.Println(dsn.Redact("postgres://app:Sup3rS3cretPw@db.internal:5432/app?sslmode=require"))
	fmt.Println(dsn.Redact("postgres://app@db.internal/app?password=Sup3rS3cretPw"))
	// Output:
	// postgres://app:xxxxx@db.internal:5432/app?sslmode=require
	// postgres://app@db.internal/app?password=xxxxx
}

func ExampleParse() {
	d, err := dsn.Parse("sqlite:////var/lib/app/app.db")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Kind, d.Path)
	// Output: sqlite /var/lib/app/app.db
}
