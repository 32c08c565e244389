package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/retort-sql/retort/engine"
)

// appliedJSON is the JSON shape of one history-table row.
type appliedJSON struct {
	StartedAt   time.Time `json:"started_at"`
	Direction   string    `json:"direction"`
	Revision    string    `json:"revision"`
	Status      string    `json:"status"`
	DurationMS  int64     `json:"duration_ms"`
	DBUser      string    `json:"db_user"`
	Host        string    `json:"host"`
	Application string    `json:"application"`
	Tool        string    `json:"tool"`
	Checksum    string    `json:"checksum"`
	Done        int       `json:"statements_done"`
	Total       int       `json:"statements_total"`
}

func toAppliedJSON(h engine.HistoryEntry) appliedJSON {
	return appliedJSON{StartedAt: h.StartedAt.UTC(), Direction: h.Direction, Revision: h.Revision,
		Status: h.Status, DurationMS: h.Duration.Milliseconds(), DBUser: h.DBUser, Host: h.Host,
		Application: h.Application, Tool: h.Tool, Checksum: h.Checksum, Done: h.Done, Total: h.Total}
}

// checksumPrefix is how much of a checksum the table shows.
const checksumPrefix = 12

// appliedHistory prints the history table, oldest first.
func (a *app) appliedHistory(ctx context.Context, out io.Writer, asJSON bool) error {
	e, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	hist, err := e.AppliedHistory(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		rows := make([]appliedJSON, len(hist))
		for i, h := range hist {
			rows[i] = toAppliedJSON(h)
		}
		return writeJSON(out, rows)
	}
	if len(hist) == 0 {
		fmt.Fprintln(out, "no revision has been applied (the history table is empty or absent)")
		return nil
	}
	writeAppliedTable(out, hist)
	return nil
}

func writeAppliedTable(out io.Writer, hist []engine.HistoryEntry) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED_AT\tDIRECTION\tREVISION\tSTATUS\tDURATION\tDB_USER\tHOST\tCHECKSUM")
	for _, h := range hist {
		status := h.Status
		if h.Total > 0 && h.Status != "done" {
			status = fmt.Sprintf("%s (%d/%d)", h.Status, h.Done, h.Total)
		}
		sum := h.Checksum
		if len(sum) > checksumPrefix {
			sum = sum[:checksumPrefix]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.StartedAt.UTC().Format(time.RFC3339),
			h.Direction, h.Revision, status, roundDuration(h.Duration), dash(h.DBUser), dash(h.Host), dash(sum))
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
