package cli

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// An Alembic project is configured by alembic.ini (section [alembic]) and,
// since Alembic 1.16, by pyproject.toml's [tool.alembic] table. Retort
// reads the keys it can use and names every other one in a debug note.

// AlembicVersionTable is the version table of a project configured by
// alembic.ini or pyproject.toml, as the database Alembic managed holds it.
const AlembicVersionTable = "alembic_version"

// Config kinds (settings.ConfigKind).
const (
	configRetort  = "migrate.toml"
	configAlembic = "alembic"
)

// isAlembicConfig reports whether path names an Alembic configuration file
// rather than a migrate.toml.
func isAlembicConfig(path string) bool {
	base := filepath.Base(path)
	return strings.HasSuffix(base, ".ini") || base == "pyproject.toml"
}

// alembicConfig is what Retort takes from an Alembic project.
type alembicConfig struct {
	ScriptLocation   string // as written, after interpolation
	VersionLocations []string
	URL              string
	VersionTable     string
	Notes            []string // debug notes: keys and sections ignored
}

// alembicKeys are the keys of [alembic] Retort reads; alembicKnown are the
// other keys Alembic defines, ignored with a note.
var alembicKeys = map[string]bool{
	"script_location": true, "sqlalchemy.url": true, "version_locations": true,
	"version_table": true, "version_table_schema": true,
}

// loadAlembicProject reads path (alembic.ini or pyproject.toml) and, when
// it sits in the same folder, the other file of the pair to fill what the
// first leaves unset: Alembic keeps the database URL in alembic.ini and the
// script layout in either.
func loadAlembicProject(path string) (alembicConfig, error) {
	ac, err := loadAlembicPair(path)
	if err == nil {
		ac.versionTableFromEnv()
	}
	return ac, err
}

func loadAlembicPair(path string) (alembicConfig, error) {
	ac, err := loadAlembicFile(path)
	if err != nil {
		return ac, err
	}
	other := filepath.Join(filepath.Dir(path), "pyproject.toml")
	if filepath.Base(path) == "pyproject.toml" {
		other = filepath.Join(filepath.Dir(path), "alembic.ini")
	}
	if _, err := os.Stat(other); err != nil {
		return ac, nil
	}
	oc, err := loadAlembicFile(other)
	if errors.Is(err, errNoToolAlembic) {
		return ac, nil
	}
	if err != nil {
		return ac, err
	}
	ac.ScriptLocation = firstNonEmpty(ac.ScriptLocation, oc.ScriptLocation)
	if len(ac.VersionLocations) == 0 {
		ac.VersionLocations = oc.VersionLocations
	}
	ac.URL = firstNonEmpty(ac.URL, oc.URL)
	ac.VersionTable = firstNonEmpty(ac.VersionTable, oc.VersionTable)
	ac.Notes = append(ac.Notes, oc.Notes...)
	return ac, nil
}

func loadAlembicFile(path string) (alembicConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return alembicConfig{}, fmt.Errorf("read config: %w", err)
	}
	here, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return alembicConfig{}, fmt.Errorf("read config: %w", err)
	}
	if filepath.Base(path) == "pyproject.toml" {
		return parsePyproject(path, data, here)
	}
	return parseAlembicINI(path, data, here)
}

// iniOption is one option of an INI section.
type iniOption struct {
	value string
	line  int
}

// iniFile is a parsed INI file: sections of options, keys lower-cased as
// ConfigParser's optionxform does.
type iniFile struct {
	sections map[string]map[string]*iniOption
	order    []string
	lines    map[string]int // section header lines
}

// parseINI reads INI text with Python ConfigParser's rules: [section]
// headers, "key = value" or "key: value", indented continuation lines,
// comments starting with # or ;, and [DEFAULT] seen by every section. A
// duplicate section or option is an error, as in ConfigParser's strict
// mode.
func parseINI(path string, data []byte) (*iniFile, error) {
	f := &iniFile{sections: map[string]map[string]*iniOption{}, lines: map[string]int{}}
	var cur map[string]*iniOption
	var last *iniOption
	for i, raw := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		n := i + 1
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		if n == 1 {
			trimmed = strings.TrimPrefix(trimmed, "\ufeff")
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		if last != nil && (line[0] == ' ' || line[0] == '\t') {
			last.value += "\n" + trimmed
			continue
		}
		if strings.HasPrefix(trimmed, "[") {
			if !strings.HasSuffix(trimmed, "]") {
				return nil, &ConfigError{Path: path, Line: n, Err: errors.New("section header without ]")}
			}
			name := strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			if _, dup := f.sections[name]; dup {
				return nil, &ConfigError{Path: path, Line: n, Err: fmt.Errorf("section [%s] already appears on line %d", name, f.lines[name])}
			}
			cur = map[string]*iniOption{}
			f.sections[name], f.lines[name] = cur, n
			f.order = append(f.order, name)
			last = nil
			continue
		}
		if cur == nil {
			return nil, &ConfigError{Path: path, Line: n, Err: errors.New("key before the first [section] header")}
		}
		k := strings.IndexAny(trimmed, "=:")
		if k <= 0 {
			return nil, &ConfigError{Path: path, Line: n, Err: errors.New("expected key = value")}
		}
		key := strings.ToLower(strings.TrimSpace(trimmed[:k]))
		if prev, dup := cur[key]; dup {
			return nil, &ConfigError{Path: path, Line: n, Err: fmt.Errorf("key %q already set on line %d", key, prev.line)}
		}
		last = &iniOption{value: strings.TrimSpace(trimmed[k+1:]), line: n}
		cur[key] = last
	}
	return f, nil
}

// get returns the interpolated value of key in section, as
// ConfigParser's BasicInterpolation gives it: %(name)s names another
// option of the section, of [DEFAULT], or one of defaults; %% is a
// percent sign.
func (f *iniFile) get(path, section, key string, defaults map[string]string) (string, int, bool, error) {
	opt, ok := f.lookup(section, key)
	if !ok {
		return "", 0, false, nil
	}
	v, err := f.interpolate(section, opt.value, defaults, 0)
	if err != nil {
		return "", opt.line, true, &ConfigError{Path: path, Line: opt.line, Err: fmt.Errorf("%s: %w", key, err)}
	}
	return v, opt.line, true, nil
}

func (f *iniFile) lookup(section, key string) (*iniOption, bool) {
	if o, ok := f.sections[section][key]; ok {
		return o, true
	}
	o, ok := f.sections["DEFAULT"][key]
	return o, ok
}

func (f *iniFile) interpolate(section, v string, defaults map[string]string, depth int) (string, error) {
	if depth > 10 {
		return "", errors.New("interpolation nested too deeply (a reference loop?)")
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '%')
		if i < 0 {
			b.WriteString(v)
			return b.String(), nil
		}
		b.WriteString(v[:i])
		v = v[i:]
		switch {
		case strings.HasPrefix(v, "%%"):
			b.WriteByte('%')
			v = v[2:]
		case strings.HasPrefix(v, "%("):
			end := strings.Index(v, ")s")
			if end < 0 {
				return "", errors.New("bad interpolation syntax (want %(name)s; write %% for a percent sign)")
			}
			name := strings.ToLower(v[2:end])
			var ref string
			if o, ok := f.lookup(section, name); ok {
				r, err := f.interpolate(section, o.value, defaults, depth+1)
				if err != nil {
					return "", err
				}
				ref = r
			} else if d, ok := defaults[name]; ok {
				ref = d
			} else {
				return "", fmt.Errorf("%%(%s)s names no option of [%s] or [DEFAULT]", name, section)
			}
			b.WriteString(ref)
			v = v[end+2:]
		default:
			return "", errors.New("a lone % (write %% for a percent sign, as ConfigParser wants)")
		}
	}
}

// parseAlembicINI reads the [alembic] section of an alembic.ini.
func parseAlembicINI(path string, data []byte, here string) (alembicConfig, error) {
	var ac alembicConfig
	f, err := parseINI(path, data)
	if err != nil {
		return ac, err
	}
	sec, ok := f.sections["alembic"]
	if !ok {
		return ac, &ConfigError{Path: path, Err: errors.New("no [alembic] section")}
	}
	defaults := map[string]string{"here": here}
	get := func(key string) (string, error) {
		v, _, _, err := f.get(path, "alembic", key, defaults)
		return v, err
	}
	if ac.ScriptLocation, err = get("script_location"); err != nil {
		return ac, err
	}
	if err := checkScriptLocation(ac.ScriptLocation); err != nil {
		return ac, &ConfigError{Path: path, Line: sec["script_location"].line, Err: err}
	}
	if ac.URL, err = get("sqlalchemy.url"); err != nil {
		return ac, err
	}
	locs, err := get("version_locations")
	if err != nil {
		return ac, err
	}
	ac.VersionLocations = splitLocations(locs)
	if ac.VersionTable, err = get("version_table"); err != nil {
		return ac, err
	}
	schema, err := get("version_table_schema")
	if err != nil {
		return ac, err
	}
	if schema != "" {
		ac.VersionTable = schema + "." + firstNonEmpty(ac.VersionTable, AlembicVersionTable)
	}
	keys := slices.SortedFunc(maps.Keys(sec), func(a, b string) int { return sec[a].line - sec[b].line })
	for _, key := range keys {
		if !alembicKeys[key] {
			ac.Notes = append(ac.Notes, fmt.Sprintf("%s:%d: ignoring key %q of [alembic]: Retort does not use it", path, sec[key].line, key))
		}
	}
	for _, name := range f.order {
		if name != "alembic" && name != "DEFAULT" {
			ac.Notes = append(ac.Notes, fmt.Sprintf("%s:%d: ignoring section [%s]: Retort does not use it", path, f.lines[name], name))
		}
	}
	return ac, nil
}

// splitLocations splits version_locations as Alembic does: by spaces or
// commas (or the path separator; Retort takes spaces, commas and os
// path-list separators).
func splitLocations(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == '\n' || r == '\t' || r == filepath.ListSeparator
	})
}

// errNoToolAlembic says a pyproject.toml has no [tool.alembic] table.
var errNoToolAlembic = errors.New("no [tool.alembic] table")

// parsePyproject reads the [tool.alembic] table of a pyproject.toml.
// %(here)s is replaced by the file's folder, as Alembic does.
func parsePyproject(path string, data []byte, here string) (alembicConfig, error) {
	var ac alembicConfig
	var doc struct {
		Tool struct {
			Alembic map[string]any `toml:"alembic"`
		} `toml:"tool"`
	}
	if err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			row, _ := derr.Position()
			return ac, &ConfigError{Path: path, Line: row, Err: errors.New(derr.Error())}
		}
		return ac, &ConfigError{Path: path, Err: err}
	}
	if doc.Tool.Alembic == nil {
		return ac, &ConfigError{Path: path, Err: errNoToolAlembic}
	}
	sub := func(s string) string { return strings.ReplaceAll(s, "%(here)s", here) }
	str := func(key string) (string, error) {
		v, ok := doc.Tool.Alembic[key]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &ConfigError{Path: path, Line: keyLine(data, key), Err: fmt.Errorf("%s: want a string, not %T", key, v)}
		}
		return sub(s), nil
	}
	var err error
	if ac.ScriptLocation, err = str("script_location"); err != nil {
		return ac, err
	}
	if err := checkScriptLocation(ac.ScriptLocation); err != nil {
		return ac, &ConfigError{Path: path, Line: keyLine(data, "script_location"), Err: err}
	}
	if ac.URL, err = str("sqlalchemy.url"); err != nil {
		return ac, err
	}
	if ac.VersionTable, err = str("version_table"); err != nil {
		return ac, err
	}
	switch v := doc.Tool.Alembic["version_locations"].(type) {
	case nil:
	case string:
		ac.VersionLocations = splitLocations(sub(v))
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return ac, &ConfigError{Path: path, Line: keyLine(data, "version_locations"), Err: errors.New("version_locations: want strings")}
			}
			ac.VersionLocations = append(ac.VersionLocations, sub(s))
		}
	default:
		return ac, &ConfigError{Path: path, Line: keyLine(data, "version_locations"), Err: fmt.Errorf("version_locations: want a list of strings, not %T", v)}
	}
	for _, key := range slices.Sorted(maps.Keys(doc.Tool.Alembic)) {
		if !alembicKeys[key] {
			ac.Notes = append(ac.Notes, fmt.Sprintf("%s:%d: ignoring key %q of [tool.alembic]: Retort does not use it", path, keyLine(data, key), key))
		}
	}
	return ac, nil
}

// hasToolAlembic reports whether the pyproject.toml at path has a
// [tool.alembic] table.
func hasToolAlembic(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	_, err = parsePyproject(path, data, ".")
	return !errors.Is(err, errNoToolAlembic)
}

// scriptDir is the folder of the project's revision scripts: the first
// version location, else script_location/versions, as Alembic's.
func (ac alembicConfig) scriptDir() string {
	if len(ac.VersionLocations) > 0 {
		return ac.VersionLocations[0]
	}
	if ac.ScriptLocation == "" {
		return ""
	}
	return filepath.Join(ac.ScriptLocation, "versions")
}

// logConfigNotes writes, at debug level, which config file was read and
// what of it was ignored.
func (a *app) logConfigNotes() {
	if a.set.ConfigFile != "" {
		a.log.Debug().Str("config", a.set.ConfigFile).Str("kind", a.set.ConfigKind).Msg("reading config file")
	}
	for _, n := range a.set.Notes {
		a.log.Debug().Msg(n)
	}
}

// checkScriptLocation refuses Alembic's package-resource form
// ("myapp:migrations"), which names a folder inside an installed Python
// package that Retort cannot look up.
func checkScriptLocation(loc string) error {
	pkg, _, ok := strings.Cut(loc, ":")
	if !ok || filepath.IsAbs(loc) || filepath.VolumeName(loc) != "" || strings.ContainsAny(pkg, `/\`) {
		return nil
	}
	return fmt.Errorf("script_location %q names a folder of a Python package; pass --dir with the folder of its versions", loc)
}

// envVersionTable matches the version_table and version_table_schema
// arguments env.py passes to context.configure, as literal strings.
var envVersionTable = regexp.MustCompile(`\b(version_table(?:_schema)?)\s*=\s*["']([A-Za-z_][A-Za-z0-9_]*)["']`)

// versionTableFromEnv takes the version table from the project's env.py
// when no config key names one: Alembic projects set it there, in
// context.configure(version_table="…"). Only literal strings are read;
// the note names the line.
func (ac *alembicConfig) versionTableFromEnv() {
	if ac.VersionTable != "" || ac.ScriptLocation == "" {
		return
	}
	env := filepath.Join(ac.ScriptLocation, "env.py")
	data, err := os.ReadFile(env)
	if err != nil {
		return
	}
	var table, schema string
	line := 0
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		for _, m := range envVersionTable.FindAllStringSubmatch(l, -1) {
			if m[1] == "version_table" && table == "" {
				table, line = m[2], i+1
			} else if m[1] == "version_table_schema" && schema == "" {
				schema = m[2]
			}
		}
	}
	if table == "" && schema == "" {
		return
	}
	ac.VersionTable = firstNonEmpty(table, AlembicVersionTable)
	if schema != "" {
		ac.VersionTable = schema + "." + ac.VersionTable
	}
	ac.Notes = append(ac.Notes, fmt.Sprintf("%s:%d: version table %s taken from context.configure", env, line, ac.VersionTable))
}
