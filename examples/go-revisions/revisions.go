package main

import (
	"fmt"
	"strings"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/revgraph"
)

// goRevisions returns the revisions written in Go. They take part in the
// graph exactly as SQL scripts do: the first one sits on top of the SQL
// revision c81d44e09a5f (which adds account.email_domain) and fills the new
// column in; the second seeds a row in SQL only to show that a Go revision
// may be plain SQL too, with a Down that undoes it.
func goRevisions() []engine.GoRevision {
	return []engine.GoRevision{
		{
			Revision: revgraph.Revision{
				ID:      "d93e0b5a7c21",
				Down:    []string{"c81d44e09a5f"},
				Message: "backfill account email_domain",
				Origin:  "main.backfillEmailDomain",
			},
			Up:   backfillEmailDomain,
			Down: clearEmailDomain,
		},
		{
			Revision: revgraph.Revision{
				ID:      "e4a71f2c9b08",
				Down:    []string{"d93e0b5a7c21"},
				Message: "seed support account",
				Origin:  "main.seedSupportAccount",
			},
			Up: func(c engine.Conn) error {
				_, err := c.Exec("INSERT INTO account (id, email, email_domain) VALUES (0, 'support@example.com', 'example.com')")
				return err
			},
			Down: func(c engine.Conn) error {
				_, err := c.Exec("DELETE FROM account WHERE id = 0")
				return err
			},
		},
	}
}

// backfillEmailDomain is a data migration: it reads every account, computes
// the domain in Go and writes it back. It runs inside the run's transaction,
// on the connection the engine hands over through RunSync, so a cancel or a
// failure rolls it back together with the schema change before it.
func backfillEmailDomain(c engine.Conn) error {
	type account struct {
		id    int64
		email string
	}
	rows, err := c.Query("SELECT id, email FROM account WHERE email_domain IS NULL ORDER BY id")
	if err != nil {
		return err
	}
	var todo []account
	for rows.Next() {
		var a account
		if err := rows.Scan(&a.id, &a.email); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, a)
	}
	// Close the rows before the next statement on the same connection.
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	update := "UPDATE account SET email_domain = " + param(c, 1) + " WHERE id = " + param(c, 2)
	for _, a := range todo {
		_, domain, ok := strings.Cut(a.email, "@")
		if !ok {
			return fmt.Errorf("account %d: email %q has no domain", a.id, a.email)
		}
		if _, err := c.Exec(update, strings.ToLower(domain), a.id); err != nil {
			return fmt.Errorf("account %d: %w", a.id, err)
		}
	}
	return nil
}

func clearEmailDomain(c engine.Conn) error {
	_, err := c.Exec("UPDATE account SET email_domain = NULL")
	return err
}

// param returns the n-th positional parameter in the connection's dialect.
func param(c engine.Conn, n int) string {
	if c.Dialect() == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
