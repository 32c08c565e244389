package script_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

func TestNewID(t *testing.T) {
	hex12 := regexp.MustCompile(`^[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id, err := script.NewID()
		if err != nil {
			t.Fatal(err)
		}
		if !hex12.MatchString(id) || !script.ValidID(id) {
			t.Fatalf("NewID() = %q, want 12 lowercase hex characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestRenderRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		rev        revgraph.Revision
		date       string
		up, down   string
		wantUp     int
		wantDown   int
		wantRevMsg string // Message after the round trip, when it differs
	}{
		{name: "base", rev: revgraph.Revision{ID: "ae1027a6acf0"}},
		{name: "everything", rev: revgraph.Revision{
			ID: "1975ea83b712", Down: []string{"ae1027a6acf0", "27c6a30d7c24"},
			BranchLabels: []string{"billing", "v2.0_beta"}, DependsOn: []string{"55af2cb1c267", "billing"},
			Message: "add invoice table, and a 'quoted' word",
		}, date: "2026-11-23T10:00:00Z", up: "CREATE TABLE invoice (id bigint);\nCREATE INDEX i ON invoice (id);", down: "DROP TABLE invoice;", wantUp: 2, wantDown: 1},
		{name: "multi-line message", rev: revgraph.Revision{ID: "a", Message: "first\nsecond\r\nthird"}, wantRevMsg: "first second third"},
		{name: "message with spaces", rev: revgraph.Revision{ID: "a", Message: "  two  spaces\tand tab  "}, wantRevMsg: "two  spaces\tand tab"},
		{name: "sql with surrounding blanks", rev: revgraph.Revision{ID: "b", Down: []string{"a"}}, up: "\n\n  SELECT 1;  \n\n", wantUp: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := script.Render(tt.rev, tt.date, tt.up, tt.down)
			f, err := script.Parse("r.sql", data)
			if err != nil {
				t.Fatalf("Parse(Render) failed: %v\n%s", err, data)
			}
			want := tt.rev
			want.Origin = "r.sql"
			if tt.wantRevMsg != "" {
				want.Message = tt.wantRevMsg
			}
			if !reflect.DeepEqual(f.Revision, want) {
				t.Errorf("round trip gave %+v, want %+v\n%s", f.Revision, want, data)
			}
			if f.CreateDate != tt.date {
				t.Errorf("CreateDate = %q, want %q", f.CreateDate, tt.date)
			}
			if f.Downgrade == nil {
				t.Fatalf("rendered file has no downgrade section:\n%s", data)
			}
			if len(f.Upgrade.Statements) != tt.wantUp || len(f.Downgrade.Statements) != tt.wantDown {
				t.Errorf("statements up=%d down=%d, want %d, %d", len(f.Upgrade.Statements), len(f.Downgrade.Statements), tt.wantUp, tt.wantDown)
			}
		})
	}
}

func TestRenderText(t *testing.T) {
	rev := revgraph.Revision{
		ID: "1975ea83b712", Down: []string{"ae1027a6acf0", "27c6a30d7c24"}, BranchLabels: []string{"billing"},
		DependsOn: []string{"55af2cb1c267"}, Message: "add invoice table",
	}
	got := string(script.Render(rev, "2026-11-23T10:00:00Z", "CREATE TABLE invoice (id bigint PRIMARY KEY);", "DROP TABLE invoice;"))
	want := `-- migrate:revision 1975ea83b712
-- migrate:down_revision ae1027a6acf0, 27c6a30d7c24
-- migrate:branch_labels billing
-- migrate:depends_on 55af2cb1c267
-- migrate:message add invoice table
-- migrate:create_date 2026-11-23T10:00:00Z

-- migrate:upgrade
CREATE TABLE invoice (id bigint PRIMARY KEY);

-- migrate:downgrade
DROP TABLE invoice;
`
	if got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
	base := string(script.Render(revgraph.Revision{ID: "ae1027a6acf0"}, "", "", ""))
	wantBase := "-- migrate:revision ae1027a6acf0\n-- migrate:down_revision\n\n-- migrate:upgrade\n\n-- migrate:downgrade\n"
	if base != wantBase {
		t.Errorf("Render(base) = %q, want %q", base, wantBase)
	}
}
