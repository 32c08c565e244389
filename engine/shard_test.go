package engine_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/retort-sql/retort/engine"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    engine.Shard
		wantErr bool
	}{
		{"0/4", engine.Shard{Index: 0, Count: 4}, false},
		{"3/4", engine.Shard{Index: 3, Count: 4}, false},
		{"0/1", engine.Shard{Index: 0, Count: 1}, false},
		{"4/4", engine.Shard{}, true},
		{"-1/4", engine.Shard{}, true},
		{"1/0", engine.Shard{}, true},
		{"1", engine.Shard{}, true},
		{"a/b", engine.Shard{}, true},
	} {
		got, err := engine.ParseShard(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func tenantNames(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("tenant_%d", i))
	}
	return out
}

// TestShardAssignment checks that every target has exactly one shard, that
// the shares are even, that adding targets moves none of the others, and
// that adding a shard moves about 1/N of them.
func TestShardAssignment(t *testing.T) {
	names := tenantNames(0, 2000)
	const n = 4
	owner := map[string]int{}
	counts := make([]int, n)
	for _, name := range names {
		owners := 0
		for i := range n {
			if (engine.Shard{Index: i, Count: n}).Owns(name) {
				owners++
				owner[name] = i
			}
		}
		if owners != 1 {
			t.Fatalf("%s has %d owners", name, owners)
		}
		counts[owner[name]]++
	}
	for i, c := range counts {
		if c < 400 || c > 600 {
			t.Errorf("shard %d owns %d of 2000 targets, want about 500: %v", i, c, counts)
		}
	}
	// A growing tenant list: the old tenants stay where they were.
	grown := append(slices.Clone(names), tenantNames(2000, 2500)...)
	for _, name := range grown[:len(names)] {
		if got := engine.ShardOf(name, n); got != owner[name] {
			t.Fatalf("%s moved from shard %d to %d when targets were added", name, owner[name], got)
		}
	}
	// One more shard: only the targets the new shard takes move.
	moved := 0
	for _, name := range names {
		if s := engine.ShardOf(name, n+1); s != owner[name] {
			if s != n {
				t.Fatalf("%s moved from shard %d to old shard %d", name, owner[name], s)
			}
			moved++
		}
	}
	if moved < 300 || moved > 500 {
		t.Errorf("%d of 2000 targets moved from 4 to 5 shards, want about 400 (1/5)", moved)
	}
	t.Logf("shares %v; 4 -> 5 shards moved %d of %d", counts, moved, len(names))
}
