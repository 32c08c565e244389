package dsn_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/retort-sql/retort/internal/dsn"
)

func TestParseSQLAlchemy(t *testing.T) {
	for _, tt := range []struct {
		raw     string
		kind    dsn.Kind
		url     string // what the driver gets
		path    string
		driver  string
		dropped []string
	}{
		{"postgresql+asyncpg://app:pw@db/app", dsn.Postgres, "postgresql://app:pw@db/app", "", "asyncpg", nil},
		{"postgresql+psycopg://app@db:5433/app?sslmode=require", dsn.Postgres, "postgresql://app@db:5433/app?sslmode=require", "", "psycopg", nil},
		{"postgresql+psycopg2://app@db/app", dsn.Postgres, "postgresql://app@db/app", "", "psycopg2", nil},
		{"postgresql+pg8000://app@db/app?application_name=web", dsn.Postgres, "postgresql://app@db/app?application_name=web", "", "pg8000", nil},
		{"postgresql+asyncpg://app@db/app?prepared_statement_cache_size=0&application_name=web&async_fallback=true",
			dsn.Postgres, "postgresql://app@db/app?application_name=web", "", "asyncpg", []string{"prepared_statement_cache_size", "async_fallback"}},
		{"postgresql+asyncpg://app@db/app?ssl=require", dsn.Postgres, "postgresql://app@db/app?sslmode=require", "", "asyncpg", []string{"ssl"}},
		{"postgresql+asyncpg://app@db/app?ssl=require&sslmode=verify-full", dsn.Postgres, "postgresql://app@db/app?sslmode=verify-full", "", "asyncpg", []string{"ssl"}},
		{"postgresql://app@db/app?default_query_exec_mode=simple_protocol&pool_max_conns=4", dsn.Postgres,
			"postgresql://app@db/app?default_query_exec_mode=simple_protocol&pool_max_conns=4", "", "", nil},
		{"host=db port=5432 user=app dbname=app sslmode=disable", dsn.Postgres, "host=db port=5432 user=app dbname=app sslmode=disable", "", "", nil},
		{"sqlite+aiosqlite:///app.db", dsn.SQLite, "sqlite:///app.db", "app.db", "aiosqlite", nil},
		{"sqlite+pysqlite:////var/lib/app.db", dsn.SQLite, "sqlite:////var/lib/app.db", "/var/lib/app.db", "pysqlite", nil},
		{"sqlite+aiosqlite://", dsn.SQLite, "sqlite://", ":memory:", "aiosqlite", nil},
		{"sqlite:///app.db?check_same_thread=false", dsn.SQLite, "sqlite:///app.db?check_same_thread=false", "app.db", "", []string{"check_same_thread"}},
		{"mysql://root@db/app", dsn.MySQL, "mysql://root@db/app", "", "", nil},
		{"mariadb://root@db/app", dsn.MySQL, "mariadb://root@db/app", "", "", nil},
		{"mysql+pymysql://root@db/app?charset=utf8mb4", dsn.MySQL, "mysql://root@db/app?charset=utf8mb4", "", "pymysql", nil},
		{"mysql+aiomysql://root@db/app", dsn.MySQL, "mysql://root@db/app", "", "aiomysql", nil},
		{"mysql+asyncmy://root@db/app", dsn.MySQL, "mysql://root@db/app", "", "asyncmy", nil},
		{"mysql+mysqldb://root@db/app?ssl_ca=/ca.pem", dsn.MySQL, "mysql://root@db/app", "", "mysqldb", []string{"ssl_ca"}},
		{"mariadb+mariadbconnector://root@db/app", dsn.MySQL, "mariadb://root@db/app", "", "mariadbconnector", nil},
	} {
		t.Run(tt.raw, func(t *testing.T) {
			d, err := dsn.Parse(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind || d.URL != tt.url || d.Path != tt.path || d.Driver != tt.driver || !slices.Equal(d.Dropped, tt.dropped) || d.Given != tt.raw {
				t.Fatalf("Parse = %+v\nwant kind %v url %q path %q driver %q dropped %q", d, tt.kind, tt.url, tt.path, tt.driver, tt.dropped)
			}
		})
	}
}

func TestDisplay(t *testing.T) {
	abs, err := filepath.Abs("rel.db")
	if err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]string{
		"sqlite:///rel.db":              "sqlite:" + abs,
		"sqlite:rel.db":                 "sqlite:" + abs,
		"sqlite+aiosqlite:////abs/x.db": "sqlite:/abs/x.db",
		"sqlite://":                     "sqlite::memory:",
		"sqlite::memory:":               "sqlite::memory:",
		"postgres://u:pw@h/db":          "postgres://u:xxxxx@h/db",
		"host=h password=Sup3r":         "host=h password=xxxxx",
	} {
		d, err := dsn.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Display(); got != want {
			t.Errorf("Parse(%q).Display() = %q, want %q", raw, got, want)
		}
	}
}

func TestMySQLDriverDSN(t *testing.T) {
	for raw, want := range map[string]string{
		"mysql://root:pw@db:3306/app":                                           "root:pw@tcp(db:3306)/app",
		"mariadb+mariadbconnector://root@127.0.0.1/app?parseTime=true":          "root@tcp(127.0.0.1)/app?parseTime=true",
		"mysql+pymysql://app:p%40ss@db/app?charset=utf8mb4&connect_timeout=5":   "app:p@ss@tcp(db)/app?charset=utf8mb4&timeout=5s",
		"mysql+mysqldb://app@/app?unix_socket=/run/mysqld/mysqld.sock":          "app@unix(/run/mysqld/mysqld.sock)/app",
		"mysql+aiomysql://app@db/app?read_timeout=2.5&max_allowed_packet=65536": "app@tcp(db)/app?maxAllowedPacket=65536&readTimeout=2.5s",
	} {
		d, err := dsn.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.MySQLDriverDSN()
		if err != nil || got != want {
			t.Errorf("Parse(%q).MySQLDriverDSN() = %q, %v; want %q", raw, got, err, want)
		}
	}
	d, _ := dsn.Parse("sqlite::memory:")
	if _, err := d.MySQLDriverDSN(); !errors.Is(err, dsn.ErrNotMySQL) {
		t.Fatalf("SQLite MySQLDriverDSN error %v, want ErrNotMySQL", err)
	}
}

func TestSecrets(t *testing.T) {
	for raw, want := range map[string][]string{
		"postgres://u:Sup3r%40pw@h/db?sslpassword=Zq7ssl&password=p%26w": {"Sup3r%40pw", "Sup3r@pw", "Zq7ssl", "p%26w", "p&w"},
		"postgres://app:Hunter2@Vault:tail@host/db":                      {"Hunter2@Vault:tail"},
		"host=h password='a b c' sslpassword=xyz user=app":               {"a b c", "xyz"},
		"sqlite:app.db":                        nil,
		"postgres://u:pw@h/db?password=":       nil,
		"mysql+pymysql://root:S3cret@db/app":   {"S3cret"},
		"host=h password='unterminated":        nil,
		"postgres://u@h/db?api_token=T0ken1&x": {"T0ken1"},
	} {
		if got := dsn.Secrets(raw); !slices.Equal(got, want) {
			t.Errorf("Secrets(%q) = %q, want %q", raw, got, want)
		}
	}
}
