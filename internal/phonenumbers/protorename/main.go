// Command protorename gives the protobuf descriptors compiled into a copy of
// github.com/nyaruka/phonenumbers names of callsim's own, so that a program
// linking both the copy and upstream does not panic at start-up with
// "proto: file "phonemetadata.proto" is already registered". It is the
// mechanical step of internal/phonenumbers/update.sh, run on upstream's files
// before callsim.patch:
//
//	go run ./internal/phonenumbers/protorename DIR
//
// In every DIR/*.pb.go it rewrites the raw descriptor (the
// file_*_proto_rawDesc byte slice): the file path "x.proto" becomes
// "callsim/phonenumbers/x.proto" and the proto package "phonenumbers"
// becomes "callsim.phonenumbers", in the package name and in every type
// reference. Nothing else changes: the Go types, the wire format and the
// decoding of the embedded metadata do not depend on those names.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

const (
	oldPackage = "phonenumbers"
	newPackage = "callsim.phonenumbers"
	pathPrefix = "callsim/phonenumbers/"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: protorename DIR")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.pb.go"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("%s: no .pb.go files", os.Args[1])
	}
	for _, f := range files {
		if err != nil {
			break
		}
		err = renameFile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "protorename:", err)
		os.Exit(1)
	}
}

func renameFile(filename string) error {
	src, err := os.ReadFile(filename)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	var lit *ast.CompositeLit
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.VAR {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) == 1 && len(vs.Values) == 1 && strings.HasSuffix(vs.Names[0].Name, "_rawDesc") {
				lit, _ = vs.Values[0].(*ast.CompositeLit)
				if lit == nil {
					return fmt.Errorf("%s: %s is not a []byte literal (a newer protoc-gen-go?): teach protorename its form", filename, vs.Names[0].Name)
				}
			}
		}
	}
	if lit == nil {
		return fmt.Errorf("%s: no var file_*_rawDesc", filename)
	}
	raw := make([]byte, 0, len(lit.Elts))
	for _, e := range lit.Elts {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.INT {
			return fmt.Errorf("%s: raw descriptor element %T is not an integer literal", fset.Position(e.Pos()), e)
		}
		v, err := strconv.ParseUint(b.Value, 0, 8)
		if err != nil {
			return fmt.Errorf("%s: %v", fset.Position(e.Pos()), err)
		}
		raw = append(raw, byte(v))
	}

	renamed, err := rename(raw)
	if err != nil {
		return fmt.Errorf("%s: %v", filename, err)
	}
	var out bytes.Buffer
	out.Write(src[:fset.Position(lit.Lbrace).Offset+1])
	for i, b := range renamed {
		switch {
		case i%16 == 0:
			out.WriteString("\n\t")
		default:
			out.WriteString(" ")
		}
		fmt.Fprintf(&out, "0x%02x,", b)
	}
	out.WriteString("\n")
	out.Write(src[fset.Position(lit.Rbrace).Offset:])
	return os.WriteFile(filename, out.Bytes(), 0o644)
}

// rename returns the descriptor with callsim's file path and package.
func rename(raw []byte) ([]byte, error) {
	var fd descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(raw, &fd); err != nil {
		return nil, err
	}
	if fd.GetPackage() != oldPackage {
		return nil, fmt.Errorf("proto package %q, want %q", fd.GetPackage(), oldPackage)
	}
	if strings.HasPrefix(fd.GetName(), pathPrefix) {
		return nil, errors.New("already renamed")
	}
	if len(fd.GetDependency()) > 0 {
		return nil, fmt.Errorf("imports %v: teach protorename to rename imports", fd.GetDependency())
	}
	fd.Name = proto.String(pathPrefix + fd.GetName())
	fd.Package = proto.String(newPackage)
	var err error
	for _, m := range fd.GetMessageType() {
		err = errors.Join(err, renameMessage(m))
	}
	if len(fd.GetExtension()) > 0 || len(fd.GetService()) > 0 {
		err = errors.Join(err, errors.New("has extensions or services: teach protorename to rename their types"))
	}
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(&fd)
}

func renameMessage(m *descriptorpb.DescriptorProto) error {
	var err error
	for _, f := range m.GetField() {
		if f.TypeName != nil {
			f.TypeName, err = renameType(f.GetTypeName())
			if err != nil {
				return fmt.Errorf("%s.%s: %v", m.GetName(), f.GetName(), err)
			}
		}
		if f.Extendee != nil {
			return fmt.Errorf("%s.%s: extensions: teach protorename to rename them", m.GetName(), f.GetName())
		}
	}
	for _, n := range m.GetNestedType() {
		if err := renameMessage(n); err != nil {
			return err
		}
	}
	return nil
}

// renameType renames a fully qualified type reference (".phonenumbers.X").
func renameType(name string) (*string, error) {
	rest, ok := strings.CutPrefix(name, "."+oldPackage+".")
	if !ok {
		return nil, fmt.Errorf("type %q is not in package %s", name, oldPackage)
	}
	return proto.String("." + newPackage + "." + rest), nil
}
