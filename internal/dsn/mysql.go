package dsn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// pythonOnlyMySQL lists the query parameters of a SQLAlchemy MySQL URL that
// only a Python driver (mysqlclient, PyMySQL, aiomysql, asyncmy, MariaDB
// Connector/Python) reads. go-sql-driver/mysql would send an unknown
// parameter to the server as a system variable, so they are dropped;
// MySQLDriverDSN carries the ones it can over to the Go driver's spelling.
var pythonOnlyMySQL = map[string]bool{
	"unix_socket": true, "connect_timeout": true, "read_timeout": true, "write_timeout": true,
	"ssl": true, "ssl_ca": true, "ssl_cert": true, "ssl_key": true, "ssl_capath": true, "ssl_cipher": true,
	"ssl_check_hostname": true, "ssl_verify_cert": true, "ssl_verify_identity": true, "ssl_disabled": true,
	"local_infile": true, "client_flag": true, "init_command": true, "binary_prefix": true,
	"autocommit": true, "program_name": true, "use_unicode": true, "conv": true, "cursorclass": true,
	"defer_connect": true, "auth_plugin_map": true, "server_public_key": true, "compress": true,
	"named_pipe": true, "read_default_file": true, "read_default_group": true, "max_allowed_packet": true,
	"async_fallback": true, "isolation_level": true,
}

func (d DSN) parseMySQL(rest string) (DSN, error) {
	return d.parseNetURL(rest, func(k string) bool { return pythonOnlyMySQL[k] })
}

// ErrNotMySQL is returned by [DSN.MySQLDriverDSN] for a DSN of another
// kind.
var ErrNotMySQL = errors.New("not a MySQL URL")

// MySQLDriverDSN renders a [MySQL] DSN in go-sql-driver/mysql's own form,
// user:password@tcp(host:port)/dbname?params. The Python drivers'
// unix_socket, connect_timeout, read_timeout, write_timeout and
// max_allowed_packet parameters become the Go driver's unix(path),
// timeout, readTimeout, writeTimeout and maxAllowedPacket; the other
// parameters of [DSN.Dropped] stay dropped. The result holds the password:
// never log it.
func (d DSN) MySQLDriverDSN() (string, error) {
	if d.Kind != MySQL {
		return "", fmt.Errorf("%w: %s", ErrNotMySQL, d.Redacted())
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return "", fmt.Errorf("invalid database URL %s: malformed: %s", Redact(d.URL), malformedReason(err))
	}
	params := u.Query()
	var given url.Values
	if _, q, ok := strings.Cut(d.Given, "?"); ok {
		if i := strings.IndexByte(q, '#'); i >= 0 {
			q = q[:i]
		}
		given, _ = url.ParseQuery(q)
	}
	network, addr := "tcp", u.Host
	if s := given.Get("unix_socket"); s != "" {
		network, addr = "unix", s
	}
	for py, gokey := range map[string]string{"connect_timeout": "timeout", "read_timeout": "readTimeout", "write_timeout": "writeTimeout"} {
		if v := given.Get(py); v != "" && !params.Has(gokey) {
			if strings.Trim(v, "0123456789.") == "" {
				v += "s"
			}
			params.Set(gokey, v)
		}
	}
	if v := given.Get("max_allowed_packet"); v != "" && !params.Has("maxAllowedPacket") {
		params.Set("maxAllowedPacket", v)
	}
	var b strings.Builder
	if u.User != nil {
		b.WriteString(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			b.WriteString(":" + pw)
		}
		b.WriteByte('@')
	}
	if addr != "" {
		b.WriteString(network + "(" + addr + ")")
	}
	b.WriteString("/" + strings.TrimPrefix(u.Path, "/"))
	if len(params) > 0 {
		b.WriteString("?" + params.Encode())
	}
	return b.String(), nil
}
