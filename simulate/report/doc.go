// Package report renders transcripts and request previews as text, JSON and Mermaid diagrams.
package report
