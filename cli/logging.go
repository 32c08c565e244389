package cli

import (
	"io"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

func terminalFD(fd uintptr) bool {
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// newLogger builds the zerolog logger for one invocation: a console writer
// when format is "console" (or "auto" on a terminal), JSON lines otherwise.
// The console writer colours its output only when colour is set.
func newLogger(w io.Writer, term, colour bool, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), usageErrorf("--log-level: invalid level %q (want trace, debug, info, warn, error or disabled)", level)
	}
	switch format {
	case "auto":
		if !term {
			break
		}
		fallthrough
	case "console":
		w = zerolog.ConsoleWriter{Out: w, NoColor: !colour, TimeFormat: "15:04:05"}
	case "json":
	default:
		return zerolog.Nop(), usageErrorf("--log-format: invalid format %q (want auto, console or json)", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// colour reports whether output to w may be coloured: w is a terminal,
// --no-color is not given and NO_COLOR is unset or empty
// (https://no-color.org).
func (a *app) colour(w io.Writer) bool {
	return !a.flags.noColor && a.opts.Getenv("NO_COLOR") == "" && a.terminal(w)
}

// painter returns the painter for text written to w.
func (a *app) painter(w io.Writer) painter {
	if w == nil {
		return painter{}
	}
	return painter{on: a.colour(w)}
}
