package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/revgraph"
)

// Formats of the graph command.
const (
	formatMermaid = "mermaid"
	formatDot     = "dot"
)

func (a *app) graphCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Export the revision graph as Mermaid or Graphviz dot",
		Long: `graph prints the revision graph in a diagram language, base at the
top: an arrow from each down_revision to its child drawn solid, a
depends_on edge dashed and labelled "depends on". Each node shows the id,
its branch labels, (head), (branchpoint) or (mergepoint), and the message;
heads are drawn bold. No database is used.

Mermaid renders in GitHub and GitLab Markdown (inside a mermaid code
block); dot renders with Graphviz (dot -Tsvg).`,
		Example: `  migrate graph > docs/revisions.mmd
  migrate graph --format dot | dot -Tsvg > revisions.svg`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(_ context.Context, cmd *cobra.Command, _ []string) error {
			if format != formatMermaid && format != formatDot {
				return usageErrorf("--format: invalid format %q (want mermaid or dot)", format)
			}
			g, err := a.loadGraph()
			if err != nil {
				return err
			}
			vs := a.views(g, g.Revisions(), nil, false)
			// Oldest first reads top-down as the diagram does.
			for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
				vs[i], vs[j] = vs[j], vs[i]
			}
			out := cmd.OutOrStdout()
			if format == formatDot {
				writeDot(out, g, vs)
			} else {
				writeMermaid(out, g, vs)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&format, "format", formatMermaid, "diagram language: mermaid or dot")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
		[]string{formatMermaid, formatDot}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// nodeLines is the text of a node: id with labels and markers, then the
// first line of the message.
func nodeLines(v view) (string, string) {
	var b strings.Builder
	b.WriteString(v.rev.ID)
	if len(v.labels) > 0 {
		fmt.Fprintf(&b, " (%s)", commaList(v.labels))
	}
	if v.realHead {
		b.WriteString(" (head)")
	} else if v.head {
		b.WriteString(" (effective head)")
	}
	if v.branchPoint {
		b.WriteString(" (branchpoint)")
	}
	if v.mergePoint {
		b.WriteString(" (mergepoint)")
	}
	msg, _, _ := strings.Cut(v.rev.Message, "\n")
	return b.String(), msg
}

// edge is one arrow from a revision to a child or dependent.
type edge struct {
	from, to string
	dep      bool
}

// edges lists the down_revision edges, then the depends_on edges, parents
// in the order of vs.
func edges(g *revgraph.Graph, vs []view) []edge {
	var out []edge
	for _, v := range vs {
		for _, d := range v.rev.Down {
			out = append(out, edge{from: d, to: v.rev.ID})
		}
	}
	for _, v := range vs {
		for _, d := range g.Dependents(v.rev.ID) {
			out = append(out, edge{from: v.rev.ID, to: d, dep: true})
		}
	}
	return out
}

// mermaidID is the node id of a revision: prefixed, since a bare
// revision id may be a Mermaid keyword ("end").
func mermaidID(id string) string { return "r_" + id }

// mermaidText escapes s for a quoted Mermaid label.
func mermaidText(s string) string {
	return strings.NewReplacer("#", "#35;", ";", "#59;", `"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;").Replace(s)
}

func writeMermaid(w io.Writer, g *revgraph.Graph, vs []view) {
	fmt.Fprintln(w, "flowchart TD")
	var heads []string
	for _, v := range vs {
		title, msg := nodeLines(v)
		label := mermaidText(title)
		if msg != "" {
			label += "<br/>" + mermaidText(msg)
		}
		fmt.Fprintf(w, "    %s[\"%s\"]\n", mermaidID(v.rev.ID), label)
		if v.head {
			heads = append(heads, mermaidID(v.rev.ID))
		}
	}
	for _, e := range edges(g, vs) {
		arrow := "-->"
		if e.dep {
			arrow = "-. depends on .->"
		}
		fmt.Fprintf(w, "    %s %s %s\n", mermaidID(e.from), arrow, mermaidID(e.to))
	}
	if len(heads) > 0 {
		fmt.Fprintln(w, "    classDef head stroke-width:3px")
		fmt.Fprintf(w, "    class %s head\n", strings.Join(heads, ","))
	}
}

// dotQuote quotes s as a Graphviz string.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func writeDot(w io.Writer, g *revgraph.Graph, vs []view) {
	fmt.Fprintln(w, "digraph revisions {")
	fmt.Fprintln(w, "    rankdir=TB;")
	fmt.Fprintln(w, `    node [shape=box, fontname="Helvetica"];`)
	for _, v := range vs {
		title, msg := nodeLines(v)
		label := title
		if msg != "" {
			label += "\n" + msg
		}
		attrs := "label=" + dotQuote(label)
		if v.head {
			attrs += ", style=bold"
		}
		fmt.Fprintf(w, "    %s [%s];\n", dotQuote(v.rev.ID), attrs)
	}
	for _, e := range edges(g, vs) {
		attrs := ""
		if e.dep {
			attrs = ` [style=dashed, label="depends on"]`
		}
		fmt.Fprintf(w, "    %s -> %s%s;\n", dotQuote(e.from), dotQuote(e.to), attrs)
	}
	fmt.Fprintln(w, "}")
}
