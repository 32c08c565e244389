// Package deps holds no code: its test checks the direction of the
// dependencies between Retort's packages (revgraph depends on nothing of
// ours, adapters never on each other or on the engine, nothing on the CLI
// but commands, test helpers only from tests).
package deps
