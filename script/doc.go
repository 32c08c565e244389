// Package script reads revision scripts: SQL files with a `-- migrate:`
// header and upgrade/downgrade sections, from any [fs.FS] ([embed.FS]
// included), and splits their sections into statements.
//
// A script looks like this:
//
//	-- migrate:revision 1975ea83b712
//	-- migrate:down_revision ae1027a6acf0, 27c6a30d7c24
//	-- migrate:branch_labels billing
//	-- migrate:depends_on 55af2cb1c267
//	-- migrate:message add invoice table
//	-- migrate:create_date 2026-11-23T10:00:00Z
//
//	-- migrate:upgrade
//	CREATE TABLE invoice (id bigint PRIMARY KEY);
//
//	-- migrate:downgrade
//	DROP TABLE invoice;
//
// The header holds one directive per line, before the first section;
// ordinary `--` comments and blank lines may sit between them. `revision`
// is required. `down_revision`, `branch_labels` and `depends_on` take
// comma-separated lists; an empty or absent `down_revision` makes a base.
// Any other `-- migrate:` directive is an error, so that a typo never
// passes silently.
//
// Directives are recognised line by line: a line whose first text is
// `-- migrate:` is a directive wherever it appears, even inside a string
// or a dollar-quoted body.
//
// The `-- migrate:upgrade` section is required; `-- migrate:downgrade` is
// optional. Without it the revision is irreversible ([File.Downgrade] is
// nil); with an empty one, downgrading is a no-op. Either section may say
// `transaction=false` to run outside any transaction.
//
// [Split] cuts a section into statements with one set of rules that is
// right for both PostgreSQL and SQLite: quoted strings and identifiers,
// E'…' strings, dollar-quoted bodies, line and nested block comments,
// parentheses, SQLite `CREATE TRIGGER … BEGIN … END` bodies and PostgreSQL
// `BEGIN ATOMIC … END` bodies.
//
// Problems are reported as [*Error] values that carry the file and line;
// the sentinel errors ([ErrSyntax] and its refinements) tell them apart.
// Every function in this package is safe for concurrent use; a parsed
// [File] is plain data and is not modified after Parse returns.
package script
