package revgraph

// Revision is one node of the graph, as declared by a script header or a Go
// revision.
type Revision struct {
	// ID is the revision identifier (letters, digits and '_').
	ID string
	// Down lists the parents (down_revision). None makes a base; two or
	// more make a merge point.
	Down []string
	// BranchLabels are the labels declared on this revision.
	BranchLabels []string
	// DependsOn names revisions, or branch labels, that must be applied
	// before this one without being its parents.
	DependsOn []string
	// Message is the human description.
	Message string
	// Origin says where the revision was declared (a script path, or a Go
	// symbol); it is used in error messages and may be empty.
	Origin string
}

// Direction is the way a step moves.
type Direction int8

const (
	// Up applies a revision.
	Up Direction = 1
	// Down reverts a revision.
	Down Direction = -1
)

func (d Direction) String() string {
	if d == Down {
		return "downgrade"
	}
	return "upgrade"
}

// OpKind is the kind of change a [VersionOp] makes to the version table.
type OpKind int8

const (
	// OpInsert adds a row holding To.
	OpInsert OpKind = iota + 1
	// OpDelete removes the row holding From.
	OpDelete
	// OpUpdate changes the row holding From to To.
	OpUpdate
)

// VersionOp is one change to the version table's rows.
type VersionOp struct {
	Kind OpKind
	From string // the row removed or changed (OpDelete, OpUpdate)
	To   string // the row added or written (OpInsert, OpUpdate)
}

// Step is one revision applied or reverted, with the version-row changes
// that follow it.
type Step struct {
	Revision  *Revision
	Direction Direction
	Ops       []VersionOp
}

// Plan is the ordered work that moves a database from one set of version
// rows (From) to another (To).
type Plan struct {
	From  []string
	To    []string
	Steps []Step
	// StampOnly marks a stamp plan: only the version operations run, no
	// revision body.
	StampOnly bool
	// Purge marks a stamp with purge: every row in From is deleted before
	// the steps run.
	Purge bool
}

func (k OpKind) String() string {
	switch k {
	case OpInsert:
		return "insert"
	case OpDelete:
		return "delete"
	case OpUpdate:
		return "update"
	}
	return "unknown"
}

// String renders the operation as "insert X", "delete X" or "update X -> Y".
func (o VersionOp) String() string {
	switch o.Kind {
	case OpInsert:
		return "insert " + o.To
	case OpDelete:
		return "delete " + o.From
	case OpUpdate:
		return "update " + o.From + " -> " + o.To
	}
	return "unknown"
}
