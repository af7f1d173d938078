package ui

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Clean makes a string that came from outside (a replica's member names, addresses, versions,
// errors; object names and flag values from files) safe to print on a terminal: every control
// character (C0, DEL, C1: ESC starts the sequences that retitle a terminal, clear it or write
// the clipboard) and every bidirectional override is shown as a Go escape (\x1b, \u202e), so
// nothing it contains acts on the terminal or forges a line of the report.
func Clean(s string) string { return clean(s, false) }

// CleanText is Clean for amha's own multi-line text that quotes outside strings (a finding's
// detail and fix, an error listing clusters): its line breaks and tabs stay.
func CleanText(s string) string { return clean(s, true) }

func clean(s string, lines bool) string {
	safe := utf8.ValidString(s)
	for _, r := range s {
		if !safe || unsafeRune(r, lines) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1: // a byte that is not UTF-8 (0x9b alone is a C1 CSI)
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafeRune(r, lines):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune, lines bool) bool {
	switch {
	case lines && (r == '\n' || r == '\t'):
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
		return true // bidirectional overrides and isolates reorder what the terminal shows
	}
	return false
}

// Cleaned returns a deep copy of v (a model value: clusters, findings) whose every string is
// Clean, and whose findings keep their own line breaks. The JSON writers do not need it: JSON
// escapes control characters already.
func Cleaned[T any](v T) T {
	out := cleanValue(reflect.ValueOf(&v).Elem(), false)
	return out.Interface().(T)
}

// findingText are the fields of a finding that are amha's own multi-line text (a Fix may quote a
// block of YAML); its message and detail lines stay one line each.
var findingType, findingText = reflect.TypeFor[model.Finding](), map[string]bool{"Fix": true}

func cleanValue(v reflect.Value, text bool) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		return reflect.ValueOf(clean(v.String(), text)).Convert(v.Type())
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(cleanValue(v.Elem(), text))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(cleanValue(v.Index(i), text))
		}
		return s
	case reflect.Array:
		a := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			a.Index(i).Set(cleanValue(v.Index(i), text))
		}
		return a
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			m.SetMapIndex(cleanValue(it.Key(), text), cleanValue(it.Value(), text))
		}
		return m
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				return v // an opaque value such as time.Time: nothing printable of its own
			}
		}
		s := reflect.New(t).Elem()
		for i := range t.NumField() {
			s.Field(i).Set(cleanValue(v.Field(i), t == findingType && findingText[t.Field(i).Name]))
		}
		return s
	}
	return v
}
