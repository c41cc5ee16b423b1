//! A small SHACL Core validator on [`oxigraph`] model types.
//!
//! It implements the subset of [SHACL Core](https://www.w3.org/TR/shacl/) that the DCAT-AP 3.0.1
//! shapes (`shapes.ttl`, `shapes_recommended.ttl`, `deprecateduris.ttl`,
//! `mdr-vocabularies.shape.ttl`) use, plus the few neighbours that cost nothing extra:
//!
//! * targets: `sh:targetClass` (with `rdf:type/rdfs:subClassOf*` in the data graph), implicit class
//!   targets (a shape that is also an `rdfs:Class`), `sh:targetNode`, `sh:targetSubjectsOf`,
//!   `sh:targetObjectsOf`;
//! * property paths: predicate, sequence, `sh:inversePath`, `sh:alternativePath`,
//!   `sh:zeroOrMorePath`, `sh:oneOrMorePath`, `sh:zeroOrOnePath`;
//! * constraint components: `sh:class`, `sh:datatype` (including ill-typed literals of the XSD
//!   datatypes and `rdf:langString`), `sh:nodeKind`, `sh:minCount`, `sh:maxCount`, `sh:pattern`
//!   with `sh:flags` (evaluated with SPARQL `REGEX`, as the specification defines it),
//!   `sh:hasValue`, `sh:in`, `sh:node`, `sh:property`, `sh:or`, `sh:and`, `sh:xone`, `sh:not`;
//! * `sh:severity`, `sh:message`, `sh:deactivated`, and `sh:closed false` (the default, a no-op).
//!
//! Any other term of the SHACL namespace used on a shape (for example `sh:minLength`,
//! `sh:uniqueLang`, `sh:closed true`, `sh:qualifiedValueShape`, `sh:sparql`) makes [`Shapes::from_turtle`] fail with
//! [`ShapesError::Unsupported`] instead of being silently ignored. The exceptions are the
//! non-validating annotations `sh:name`, `sh:description`, `sh:order`, `sh:group` and
//! `sh:defaultValue`, and `sh:shape`, which is not a SHACL term at all (DCAT-AP 3 uses it by
//! mistake instead of `sh:node`; pySHACL and the SEMIC testbed ignore it, and so do we).
//!
//! Recursive shapes are undefined in SHACL; they are rejected when the shapes are loaded, so
//! validation always terminates.
//!
//! ```
//! # use odcat::quality::shacl::{Shapes, validate, Severity};
//! # use oxigraph::{io::{RdfFormat, RdfParser}, model::Graph};
//! let shapes = Shapes::from_turtle(&[r#"
//!     @prefix sh: <http://www.w3.org/ns/shacl#> .
//!     <urn:s> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] ."#])?;
//! let mut data = Graph::new();
//! for t in RdfParser::from_format(RdfFormat::Turtle).for_slice("<urn:x> a <urn:C> .") {
//!     data.insert(&oxigraph::model::Triple::from(t?));
//! }
//! let results = validate(&shapes, &data);
//! assert_eq!(results.len(), 1);
//! assert_eq!(results[0].component, "MinCountConstraintComponent");
//! assert_eq!(results[0].severity, Severity::Violation);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{
    Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef,
    Triple,
};

/// The SHACL namespace.
const SH: &str = "http://www.w3.org/ns/shacl#";

/// `sh:` IRIs used below, as `const` references.
mod sh {
    use oxigraph::model::NamedNodeRef;

    macro_rules! terms {
        ($($name:ident = $local:literal;)*) => {
            $(pub const $name: NamedNodeRef<'static> =
                NamedNodeRef::new_unchecked(concat!("http://www.w3.org/ns/shacl#", $local));)*
        };
    }
    terms! {
        NODE_SHAPE = "NodeShape";
        PROPERTY_SHAPE = "PropertyShape";
        TARGET_CLASS = "targetClass";
        TARGET_NODE = "targetNode";
        TARGET_SUBJECTS_OF = "targetSubjectsOf";
        TARGET_OBJECTS_OF = "targetObjectsOf";
        PATH = "path";
        INVERSE_PATH = "inversePath";
        ALTERNATIVE_PATH = "alternativePath";
        ZERO_OR_MORE_PATH = "zeroOrMorePath";
        ONE_OR_MORE_PATH = "oneOrMorePath";
        ZERO_OR_ONE_PATH = "zeroOrOnePath";
        PROPERTY = "property";
        NODE = "node";
        NOT = "not";
        OR = "or";
        AND = "and";
        XONE = "xone";
        CLASS = "class";
        DATATYPE = "datatype";
        NODE_KIND = "nodeKind";
        MIN_COUNT = "minCount";
        MAX_COUNT = "maxCount";
        PATTERN = "pattern";
        FLAGS = "flags";
        HAS_VALUE = "hasValue";
        IN = "in";
        SEVERITY = "severity";
        MESSAGE = "message";
        DEACTIVATED = "deactivated";
        CLOSED = "closed";
        VIOLATION = "Violation";
        WARNING = "Warning";
        INFO = "Info";
        IRI = "IRI";
        BLANK_NODE = "BlankNode";
        LITERAL = "Literal";
        BLANK_NODE_OR_IRI = "BlankNodeOrIRI";
        BLANK_NODE_OR_LITERAL = "BlankNodeOrLiteral";
        IRI_OR_LITERAL = "IRIOrLiteral";
    }
}

/// SHACL predicates that carry no validation semantics and are skipped on purpose.
const IGNORED_SH_PREDICATES: [&str; 6] = [
    "name",
    "description",
    "order",
    "group",
    "defaultValue",
    // Not a SHACL term: DCAT-AP 3 writes `sh:shape` where it means `sh:node`. Every SHACL
    // processor (pySHACL, the SEMIC testbed) ignores it, so we do too, for identical results.
    "shape",
];

/// Error raised while loading a shapes graph.
#[derive(Debug, thiserror::Error)]
pub enum ShapesError {
    /// A shapes source is not valid Turtle.
    #[error("shapes source #{index} is not valid Turtle: {message}")]
    Parse {
        /// Position of the source in the slice given to [`Shapes::from_turtle`].
        index: usize,
        /// The parser's message.
        message: String,
    },
    /// A shape uses a SHACL feature that this validator does not implement.
    #[error("shape {shape} uses {predicate}, which this validator does not support")]
    Unsupported {
        /// The shape (IRI or blank node) using the feature.
        shape: String,
        /// The unsupported SHACL predicate.
        predicate: String,
    },
    /// A SHACL parameter has a value of the wrong kind (for example `sh:minCount "x"`).
    #[error("shape {shape}: invalid {predicate}: {reason}")]
    Invalid {
        /// The shape (IRI or blank node) or path node with the bad value.
        shape: String,
        /// The SHACL predicate whose value is wrong.
        predicate: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A shape refers to itself through `sh:node`, `sh:property`, `sh:or`, ... (undefined in SHACL).
    #[error("shape {shape} is recursive")]
    Recursive {
        /// One shape on the cycle.
        shape: String,
    },
}

/// Severity of a validation result (`sh:resultSeverity`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Severity {
    /// `sh:Violation`, the default; only these make a data graph non-compliant.
    Violation,
    /// `sh:Warning`.
    Warning,
    /// `sh:Info`.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Violation => "Violation",
            Self::Warning => "Warning",
            Self::Info => "Info",
        })
    }
}

/// One validation result, as in a SHACL validation report.
#[derive(Clone, Debug)]
pub struct ValidationResult {
    /// `sh:focusNode`.
    pub focus: Term,
    /// `sh:resultPath` in SPARQL property path syntax (`<iri>`, `^<iri>`, `(<a> / <b>)`, ...);
    /// `None` for results of node shapes.
    pub path: Option<String>,
    /// `sh:value`, where the component defines one (not for `sh:minCount`, `sh:maxCount` and
    /// `sh:hasValue` on property shapes).
    pub value: Option<Term>,
    /// Local name of `sh:sourceConstraintComponent`, e.g. `"MinCountConstraintComponent"`.
    pub component: &'static str,
    /// `sh:resultSeverity`: the `sh:severity` of the shape holding the constraint.
    pub severity: Severity,
    /// `sh:sourceShape`: the shape's IRI, or for a blank property shape `"<parent IRI> <path>"`.
    pub shape: String,
    /// The shape's `sh:message` (English or untagged preferred), if any.
    pub message: Option<String>,
}

/// A compiled shapes graph, ready for [`validate`]. Build it once and share it.
#[derive(Clone)]
pub struct Shapes {
    shapes: Vec<Shape>,
    /// Shapes that have targets and are not deactivated.
    targeted: Vec<ShapeId>,
    /// `ASK` queries for `sh:pattern` without and with `sh:flags`.
    regex: RegexQueries,
}

impl fmt::Debug for Shapes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shapes")
            .field("shapes", &self.shapes.len())
            .field("targeted", &self.targeted.len())
            .finish()
    }
}

type ShapeId = usize;

#[derive(Clone, Debug)]
struct Shape {
    name: String,
    path: Option<Path>,
    /// `path` rendered once, for the results.
    path_text: Option<String>,
    targets: Vec<Target>,
    constraints: Vec<Constraint>,
    severity: Severity,
    message: Option<String>,
    deactivated: bool,
}

#[derive(Clone, Debug)]
enum Target {
    Class(NamedNode),
    Node(Term),
    SubjectsOf(NamedNode),
    ObjectsOf(NamedNode),
}

/// A SHACL property path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Path {
    Predicate(NamedNode),
    Sequence(Vec<Path>),
    Alternative(Vec<Path>),
    Inverse(Box<Path>),
    ZeroOrMore(Box<Path>),
    OneOrMore(Box<Path>),
    ZeroOrOne(Box<Path>),
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn join(f: &mut fmt::Formatter<'_>, paths: &[Path], sep: &str) -> fmt::Result {
            f.write_str("(")?;
            for (i, p) in paths.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(")")
        }
        match self {
            Self::Predicate(p) => write!(f, "{p}"),
            Self::Sequence(ps) => join(f, ps, " / "),
            Self::Alternative(ps) => join(f, ps, " | "),
            Self::Inverse(p) => write!(f, "^{p}"),
            Self::ZeroOrMore(p) => write!(f, "{p}*"),
            Self::OneOrMore(p) => write!(f, "{p}+"),
            Self::ZeroOrOne(p) => write!(f, "{p}?"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeKind {
    Iri,
    BlankNode,
    Literal,
    BlankNodeOrIri,
    BlankNodeOrLiteral,
    IriOrLiteral,
}

impl NodeKind {
    fn matches(self, term: &Term) -> bool {
        let (iri, blank, literal) = match term {
            Term::NamedNode(_) => (true, false, false),
            Term::BlankNode(_) => (false, true, false),
            Term::Literal(_) => (false, false, true),
        };
        match self {
            Self::Iri => iri,
            Self::BlankNode => blank,
            Self::Literal => literal,
            Self::BlankNodeOrIri => blank || iri,
            Self::BlankNodeOrLiteral => blank || literal,
            Self::IriOrLiteral => iri || literal,
        }
    }
}

/// One constraint: a constraint component with its parameter values.
#[derive(Clone, Debug)]
enum Constraint {
    Class(NamedNode),
    Datatype(NamedNode),
    NodeKind(NodeKind),
    MinCount(usize),
    MaxCount(usize),
    Pattern {
        pattern: Literal,
        flags: Option<Literal>,
    },
    HasValue(Term),
    In(Vec<Term>),
    Node(ShapeId),
    Property(ShapeId),
    Not(ShapeId),
    Or(Vec<ShapeId>),
    And(Vec<ShapeId>),
    Xone(Vec<ShapeId>),
}

impl Constraint {
    /// Local name of the constraint component in the `sh:` namespace.
    fn component(&self) -> &'static str {
        match self {
            Self::Class(_) => "ClassConstraintComponent",
            Self::Datatype(_) => "DatatypeConstraintComponent",
            Self::NodeKind(_) => "NodeKindConstraintComponent",
            Self::MinCount(_) => "MinCountConstraintComponent",
            Self::MaxCount(_) => "MaxCountConstraintComponent",
            Self::Pattern { .. } => "PatternConstraintComponent",
            Self::HasValue(_) => "HasValueConstraintComponent",
            Self::In(_) => "InConstraintComponent",
            Self::Node(_) => "NodeConstraintComponent",
            Self::Property(_) => "PropertyConstraintComponent",
            Self::Not(_) => "NotConstraintComponent",
            Self::Or(_) => "OrConstraintComponent",
            Self::And(_) => "AndConstraintComponent",
            Self::Xone(_) => "XoneConstraintComponent",
        }
    }

    /// Shapes this constraint refers to (for the recursion check).
    fn referenced_shapes(&self) -> &[ShapeId] {
        match self {
            Self::Node(s) | Self::Property(s) | Self::Not(s) => std::slice::from_ref(s),
            Self::Or(s) | Self::And(s) | Self::Xone(s) => s,
            _ => &[],
        }
    }
}

/// Compiled patterns by (pattern, flags); `None` for one that does not compile.
type Compiled = std::collections::HashMap<(String, String), Option<regex::Regex>>;

/// `sh:pattern` with `sh:flags`, evaluated as SPARQL's `REGEX` defines it (XPath flags `s`, `m`, `i`,
/// `x` and `q`), with the `regex` crate as Oxigraph's evaluator does; compiled patterns are kept.
#[derive(Clone, Default)]
struct RegexQueries {
    compiled: std::sync::Arc<std::sync::Mutex<Compiled>>,
}

impl RegexQueries {
    fn new() -> Result<Self, ShapesError> {
        Ok(Self::default())
    }

    /// The compiled pattern, `None` when it (or a flag) is invalid.
    fn compile(pattern: &str, flags: &str) -> Option<regex::Regex> {
        let pattern = if flags.contains('q') {
            regex::escape(pattern)
        } else {
            pattern.to_owned()
        };
        let mut builder = regex::RegexBuilder::new(&pattern);
        builder.size_limit(1_000_000);
        for flag in flags.chars() {
            match flag {
                's' => {
                    builder.dot_matches_new_line(true);
                }
                'm' => {
                    builder.multi_line(true);
                }
                'i' => {
                    builder.case_insensitive(true);
                }
                'x' => {
                    builder.ignore_whitespace(true);
                }
                'q' => {}
                _ => return None,
            }
        }
        builder.build().ok()
    }

    fn with<T>(
        &self,
        pattern: &Literal,
        flags: Option<&Literal>,
        f: impl FnOnce(Option<&regex::Regex>) -> T,
    ) -> T {
        let key = (
            pattern.value().to_owned(),
            flags.map(|f| f.value().to_owned()).unwrap_or_default(),
        );
        let mut compiled = self
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let regex = compiled
            .entry(key)
            .or_insert_with_key(|(p, f)| Self::compile(p, f));
        f(regex.as_ref())
    }

    fn compiles(&self, pattern: &Literal, flags: Option<&Literal>) -> bool {
        self.with(pattern, flags, |r| r.is_some())
    }

    fn is_match(&self, text: &str, pattern: &Literal, flags: Option<&Literal>) -> bool {
        self.with(pattern, flags, |r| r.is_some_and(|r| r.is_match(text)))
    }
}

impl Shapes {
    /// Parses and compiles one or more Turtle documents that together form the shapes graph.
    ///
    /// Blank node labels are local to each document. Fails on syntax errors, on malformed SHACL
    /// (wrong parameter values, malformed lists or paths, `sh:node` to a property shape), on
    /// recursive shapes, and on any SHACL feature this validator does not implement.
    pub fn from_turtle(sources: &[&str]) -> Result<Shapes, ShapesError> {
        let mut graph = Graph::new();
        for (index, source) in sources.iter().enumerate() {
            let parser = RdfParser::from_format(RdfFormat::Turtle).rename_blank_nodes();
            for quad in parser.for_slice(source.as_bytes()) {
                let quad = quad.map_err(|e| ShapesError::Parse {
                    index,
                    message: e.to_string(),
                })?;
                graph.insert(&Triple::from(quad));
            }
        }
        Self::from_graph(&graph)
    }

    /// Compiles a shapes graph that is already parsed.
    pub fn from_graph(graph: &Graph) -> Result<Shapes, ShapesError> {
        Compiler::new(graph)?.compile()
    }

    /// Number of shapes (named and blank) found in the shapes graph.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether the shapes graph has no shapes at all.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }
}

/// Turns a shapes graph into [`Shapes`].
struct Compiler<'g> {
    graph: &'g Graph,
    ids: HashMap<NamedOrBlankNode, ShapeId>,
    nodes: Vec<NamedOrBlankNode>,
    regex: RegexQueries,
}

fn display_node(node: NamedOrBlankNodeRef<'_>) -> String {
    match node {
        NamedOrBlankNodeRef::NamedNode(n) => n.as_str().to_owned(),
        NamedOrBlankNodeRef::BlankNode(b) => b.to_string(),
    }
}

fn as_node(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        TermRef::Literal(_) => None,
    }
}

impl<'g> Compiler<'g> {
    fn new(graph: &'g Graph) -> Result<Self, ShapesError> {
        // Shapes are: instances of sh:NodeShape / sh:PropertyShape, subjects of targets or of
        // sh:path, and values of the shape-valued parameters (sh:node, sh:property, sh:not, and
        // the members of sh:or / sh:and / sh:xone lists).
        let mut found: Vec<NamedOrBlankNode> = Vec::new();
        let mut seen = HashSet::new();
        let mut add = |node: NamedOrBlankNodeRef<'_>, found: &mut Vec<NamedOrBlankNode>| {
            if seen.insert(node.into_owned()) {
                found.push(node.into_owned());
            }
        };
        for class in [sh::NODE_SHAPE, sh::PROPERTY_SHAPE] {
            for s in graph.subjects_for_predicate_object(rdf::TYPE, class) {
                add(s, &mut found);
            }
        }
        for p in [
            sh::TARGET_CLASS,
            sh::TARGET_NODE,
            sh::TARGET_SUBJECTS_OF,
            sh::TARGET_OBJECTS_OF,
            sh::PATH,
        ] {
            for t in graph.triples_for_predicate(p) {
                add(t.subject, &mut found);
            }
        }
        let mut compiler = Self {
            graph,
            ids: HashMap::new(),
            nodes: Vec::new(),
            regex: RegexQueries::new()?,
        };
        for p in [sh::NODE, sh::PROPERTY, sh::NOT] {
            for t in graph.triples_for_predicate(p) {
                let node = as_node(t.object).ok_or_else(|| {
                    compiler.invalid(t.subject, p, "the value must be an IRI or blank node")
                })?;
                add(node, &mut found);
            }
        }
        for p in [sh::OR, sh::AND, sh::XONE] {
            for t in graph.triples_for_predicate(p) {
                for member in compiler.list(t.subject, p, t.object)? {
                    let node = as_node(member.as_ref()).ok_or_else(|| {
                        compiler.invalid(t.subject, p, "list members must be shapes")
                    })?;
                    add(node, &mut found);
                }
            }
        }
        // Deterministic order: named shapes by IRI first, then blank nodes.
        found.sort_by_key(|n| (n.is_blank_node(), n.to_string()));
        for (id, node) in found.iter().enumerate() {
            compiler.ids.insert(node.clone(), id);
        }
        compiler.nodes = found;
        Ok(compiler)
    }

    fn invalid(
        &self,
        shape: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
        reason: &str,
    ) -> ShapesError {
        ShapesError::Invalid {
            shape: display_node(shape),
            predicate: predicate.as_str().to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// Reads an RDF list (`rdf:first` / `rdf:rest`), rejecting malformed or cyclic lists.
    fn list(
        &self,
        owner: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
        head: TermRef<'_>,
    ) -> Result<Vec<Term>, ShapesError> {
        let mut items = Vec::new();
        let mut visited = HashSet::new();
        let mut cell = head;
        loop {
            if cell == rdf::NIL.into() {
                return Ok(items);
            }
            let node = as_node(cell)
                .filter(|n| visited.insert(n.into_owned()))
                .ok_or_else(|| self.invalid(owner, predicate, "malformed RDF list"))?;
            let first = self.graph.object_for_subject_predicate(node, rdf::FIRST);
            let rest = self.graph.object_for_subject_predicate(node, rdf::REST);
            match (first, rest) {
                (Some(first), Some(rest)) => {
                    items.push(first.into_owned());
                    cell = rest;
                }
                _ => return Err(self.invalid(owner, predicate, "malformed RDF list")),
            }
        }
    }

    fn shape_ref(
        &self,
        owner: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
        value: TermRef<'_>,
    ) -> Result<ShapeId, ShapesError> {
        as_node(value)
            .and_then(|n| self.ids.get(&n.into_owned()).copied())
            .ok_or_else(|| self.invalid(owner, predicate, "the value is not a shape"))
    }

    fn named(
        &self,
        owner: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
        value: TermRef<'_>,
    ) -> Result<NamedNode, ShapesError> {
        match value {
            TermRef::NamedNode(n) => Ok(n.into_owned()),
            _ => Err(self.invalid(owner, predicate, "the value must be an IRI")),
        }
    }

    fn count(
        &self,
        owner: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
        value: TermRef<'_>,
    ) -> Result<usize, ShapesError> {
        match value {
            TermRef::Literal(l) if l.datatype() == xsd::INTEGER => l.value().trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| self.invalid(owner, predicate, "expected a non-negative xsd:integer"))
    }

    fn path(
        &self,
        owner: NamedOrBlankNodeRef<'_>,
        value: TermRef<'_>,
    ) -> Result<Path, ShapesError> {
        self.path_at(owner, value, 0)
    }

    fn path_at(
        &self,
        owner: NamedOrBlankNodeRef<'_>,
        value: TermRef<'_>,
        depth: usize,
    ) -> Result<Path, ShapesError> {
        let bad = || self.invalid(owner, sh::PATH, "not a well-formed SHACL property path");
        if depth > 32 {
            return Err(bad());
        }
        let node = match value {
            TermRef::NamedNode(n) => return Ok(Path::Predicate(n.into_owned())),
            TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
            TermRef::Literal(_) => return Err(bad()),
        };
        let sub = |p: NamedNodeRef<'_>| self.graph.object_for_subject_predicate(node, p);
        let paths = |head: TermRef<'_>| -> Result<Vec<Path>, ShapesError> {
            self.list(owner, sh::PATH, head)?
                .iter()
                .map(|t| self.path_at(owner, t.as_ref(), depth + 1))
                .collect()
        };
        if self
            .graph
            .object_for_subject_predicate(node, rdf::FIRST)
            .is_some()
        {
            let seq = paths(node.into())?;
            return if seq.len() >= 2 {
                Ok(Path::Sequence(seq))
            } else {
                Err(bad())
            };
        }
        if let Some(list) = sub(sh::ALTERNATIVE_PATH) {
            let alt = paths(list)?;
            return if alt.len() >= 2 {
                Ok(Path::Alternative(alt))
            } else {
                Err(bad())
            };
        }
        type Make = fn(Box<Path>) -> Path;
        let unary: [(NamedNodeRef<'_>, Make); 4] = [
            (sh::INVERSE_PATH, Path::Inverse),
            (sh::ZERO_OR_MORE_PATH, Path::ZeroOrMore),
            (sh::ONE_OR_MORE_PATH, Path::OneOrMore),
            (sh::ZERO_OR_ONE_PATH, Path::ZeroOrOne),
        ];
        for (predicate, make) in unary {
            if let Some(inner) = sub(predicate) {
                return Ok(make(Box::new(self.path_at(owner, inner, depth + 1)?)));
            }
        }
        Err(bad())
    }

    /// The value of a parameter that may occur at most once.
    fn single(
        &self,
        node: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Option<TermRef<'g>>, ShapesError> {
        let mut values = self.graph.objects_for_subject_predicate(node, predicate);
        let first = values.next();
        if values.next().is_some() {
            return Err(self.invalid(node, predicate, "at most one value is allowed"));
        }
        Ok(first)
    }

    /// Human-readable name of a shape for [`ValidationResult::shape`].
    fn name(&self, node: NamedOrBlankNodeRef<'_>, path: Option<&Path>) -> String {
        if let (NamedOrBlankNodeRef::BlankNode(_), Some(path)) = (node, path)
            && let Some(NamedOrBlankNodeRef::NamedNode(parent)) =
                self.graph.subject_for_predicate_object(sh::PROPERTY, node)
        {
            return format!("{} {path}", parent.as_str());
        }
        display_node(node)
    }

    fn compile(self) -> Result<Shapes, ShapesError> {
        let mut shapes = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            shapes.push(self.shape(node.as_ref())?);
        }
        check_recursion(&shapes)?;
        let targeted = (0..shapes.len())
            .filter(|&i| !shapes[i].targets.is_empty() && !shapes[i].deactivated)
            .collect();
        Ok(Shapes {
            shapes,
            targeted,
            regex: self.regex,
        })
    }

    fn shape(&self, node: NamedOrBlankNodeRef<'_>) -> Result<Shape, ShapesError> {
        let g = self.graph;
        let one = |p| self.single(node, p);
        let path = one(sh::PATH)?.map(|v| self.path(node, v)).transpose()?;
        let severity = match one(sh::SEVERITY)? {
            None => Severity::Violation,
            Some(TermRef::NamedNode(s)) if s == sh::VIOLATION => Severity::Violation,
            Some(TermRef::NamedNode(s)) if s == sh::WARNING => Severity::Warning,
            Some(TermRef::NamedNode(s)) if s == sh::INFO => Severity::Info,
            Some(_) => {
                return Err(ShapesError::Unsupported {
                    shape: display_node(node),
                    predicate: format!("{SH}severity with a custom severity"),
                });
            }
        };
        let deactivated = match one(sh::DEACTIVATED)? {
            None => false,
            Some(TermRef::Literal(l)) if l.datatype() == xsd::BOOLEAN => {
                matches!(l.value().trim(), "true" | "1")
            }
            Some(_) => return Err(self.invalid(node, sh::DEACTIVATED, "expected an xsd:boolean")),
        };
        let flags = match one(sh::FLAGS)? {
            None => None,
            Some(TermRef::Literal(l)) if l.datatype() == xsd::STRING => Some(l.into_owned()),
            Some(_) => return Err(self.invalid(node, sh::FLAGS, "expected a string")),
        };
        let mut message: Option<(u8, String)> = None;
        let mut targets = Vec::new();
        let mut constraints = Vec::new();
        for t in g.triples_for_subject(node) {
            let (p, o) = (t.predicate, t.object);
            match p {
                p if p == sh::TARGET_CLASS => targets.push(Target::Class(self.named(node, p, o)?)),
                p if p == sh::TARGET_NODE => targets.push(Target::Node(o.into_owned())),
                p if p == sh::TARGET_SUBJECTS_OF => {
                    targets.push(Target::SubjectsOf(self.named(node, p, o)?))
                }
                p if p == sh::TARGET_OBJECTS_OF => {
                    targets.push(Target::ObjectsOf(self.named(node, p, o)?))
                }
                p if p == sh::CLASS => constraints.push(Constraint::Class(self.named(node, p, o)?)),
                p if p == sh::DATATYPE => {
                    constraints.push(Constraint::Datatype(self.named(node, p, o)?))
                }
                p if p == sh::NODE_KIND => {
                    let kind = match o {
                        TermRef::NamedNode(k) if k == sh::IRI => NodeKind::Iri,
                        TermRef::NamedNode(k) if k == sh::BLANK_NODE => NodeKind::BlankNode,
                        TermRef::NamedNode(k) if k == sh::LITERAL => NodeKind::Literal,
                        TermRef::NamedNode(k) if k == sh::BLANK_NODE_OR_IRI => {
                            NodeKind::BlankNodeOrIri
                        }
                        TermRef::NamedNode(k) if k == sh::BLANK_NODE_OR_LITERAL => {
                            NodeKind::BlankNodeOrLiteral
                        }
                        TermRef::NamedNode(k) if k == sh::IRI_OR_LITERAL => NodeKind::IriOrLiteral,
                        _ => return Err(self.invalid(node, p, "unknown node kind")),
                    };
                    constraints.push(Constraint::NodeKind(kind));
                }
                p if p == sh::MIN_COUNT || p == sh::MAX_COUNT => {
                    if path.is_none() {
                        return Err(self.invalid(node, p, "only allowed on property shapes"));
                    }
                    let n = self.count(node, p, o)?;
                    constraints.push(if p == sh::MIN_COUNT {
                        Constraint::MinCount(n)
                    } else {
                        Constraint::MaxCount(n)
                    });
                }
                p if p == sh::PATTERN => {
                    let pattern = match o {
                        TermRef::Literal(l) if l.datatype() == xsd::STRING => l.into_owned(),
                        _ => return Err(self.invalid(node, p, "expected a string")),
                    };
                    if !self.regex.compiles(&pattern, flags.as_ref()) {
                        return Err(self.invalid(node, p, "not a valid regular expression"));
                    }
                    constraints.push(Constraint::Pattern {
                        pattern,
                        flags: flags.clone(),
                    });
                }
                p if p == sh::HAS_VALUE => constraints.push(Constraint::HasValue(o.into_owned())),
                p if p == sh::IN => constraints.push(Constraint::In(self.list(node, p, o)?)),
                p if p == sh::NODE => {
                    let id = self.shape_ref(node, p, o)?;
                    let target = as_node(o)
                        .filter(|n| g.object_for_subject_predicate(*n, sh::PATH).is_none());
                    if target.is_none() {
                        return Err(self.invalid(node, p, "the value must be a node shape"));
                    }
                    constraints.push(Constraint::Node(id));
                }
                p if p == sh::PROPERTY => {
                    let id = self.shape_ref(node, p, o)?;
                    let is_property_shape = as_node(o)
                        .and_then(|n| g.object_for_subject_predicate(n, sh::PATH))
                        .is_some();
                    if !is_property_shape {
                        return Err(self.invalid(node, p, "the value must be a property shape"));
                    }
                    constraints.push(Constraint::Property(id));
                }
                p if p == sh::NOT => constraints.push(Constraint::Not(self.shape_ref(node, p, o)?)),
                p if p == sh::OR || p == sh::AND || p == sh::XONE => {
                    let members = self
                        .list(node, p, o)?
                        .iter()
                        .map(|m| self.shape_ref(node, p, m.as_ref()))
                        .collect::<Result<Vec<_>, _>>()?;
                    constraints.push(if p == sh::OR {
                        Constraint::Or(members)
                    } else if p == sh::AND {
                        Constraint::And(members)
                    } else {
                        Constraint::Xone(members)
                    });
                }
                p if p == sh::MESSAGE => {
                    if let TermRef::Literal(l) = o {
                        // Prefer English, then untagged, then anything.
                        let rank = match l.language() {
                            Some(lang) if lang.eq_ignore_ascii_case("en") => 0,
                            None => 1,
                            Some(_) => 2,
                        };
                        if message.as_ref().is_none_or(|(r, _)| rank < *r) {
                            message = Some((rank, l.value().to_owned()));
                        }
                    }
                }
                p if [sh::PATH, sh::SEVERITY, sh::DEACTIVATED, sh::FLAGS].contains(&p) => {}
                // `sh:closed false` (DCAT-AP 3.0.0 / 3.0.1 single-file shapes) is the default and a
                // no-op; a closed shape is not supported.
                p if p == sh::CLOSED
                    && matches!(o, TermRef::Literal(l)
                        if l.datatype() == xsd::BOOLEAN && matches!(l.value(), "false" | "0")) => {}
                p if p.as_str().starts_with(SH) => {
                    let local = &p.as_str()[SH.len()..];
                    if !IGNORED_SH_PREDICATES.contains(&local) {
                        return Err(ShapesError::Unsupported {
                            shape: display_node(node),
                            predicate: p.as_str().to_owned(),
                        });
                    }
                }
                _ => {} // rdf:type, rdfs:label, rdfs:comment, ...
            }
        }
        // Implicit class target: a shape that is also a class.
        if let NamedOrBlankNodeRef::NamedNode(n) = node
            && g.contains(oxigraph::model::TripleRef::new(
                node,
                rdf::TYPE,
                rdfs::CLASS,
            ))
        {
            targets.push(Target::Class(n.into_owned()));
        }
        let path_text = path.as_ref().map(ToString::to_string);
        Ok(Shape {
            name: self.name(node, path.as_ref()),
            path,
            path_text,
            targets,
            constraints,
            severity,
            message: message.map(|(_, m)| m),
            deactivated,
        })
    }
}

/// Rejects shapes that reach themselves through shape-valued parameters.
fn check_recursion(shapes: &[Shape]) -> Result<(), ShapesError> {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; shapes.len()];
    for start in 0..shapes.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS: (shape, index of the next reference to follow).
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((shape, next)) = stack.pop() {
            let refs: Vec<ShapeId> = shapes[shape]
                .constraints
                .iter()
                .flat_map(|c| c.referenced_shapes().iter().copied())
                .collect();
            if let Some(&child) = refs.get(next) {
                stack.push((shape, next + 1));
                match state[child] {
                    0 => {
                        state[child] = 1;
                        stack.push((child, 0));
                    }
                    1 => {
                        return Err(ShapesError::Recursive {
                            shape: shapes[child].name.clone(),
                        });
                    }
                    _ => {}
                }
            } else {
                state[shape] = 2;
            }
        }
    }
    Ok(())
}

/// Validates `data` against `shapes` and returns all results (of every severity).
///
/// The data graph is used as is: no inference besides the `rdfs:subClassOf*` closure that
/// `sh:class` and `sh:targetClass` require, computed from `rdfs:subClassOf` triples in `data`.
/// The data conforms to a severity level when no result has that severity.
pub fn validate(shapes: &Shapes, data: &Graph) -> Vec<ValidationResult> {
    let mut ctx = Context {
        shapes,
        data,
        superclasses: HashMap::new(),
    };
    let mut results = Vec::new();
    for &id in &shapes.targeted {
        for focus in ctx.focus_nodes(&shapes.shapes[id].targets) {
            let mut sink = Sink::collect(&mut results);
            ctx.validate_shape(id, &focus, &mut sink);
        }
    }
    results
}

/// Where results go: collected into a report, or only noted (conformance checking for
/// `sh:node`, `sh:or`, ..., which stops at the first result).
struct Sink<'r> {
    out: Option<&'r mut Vec<ValidationResult>>,
    failed: bool,
}

impl<'r> Sink<'r> {
    fn collect(out: &'r mut Vec<ValidationResult>) -> Self {
        Self {
            out: Some(out),
            failed: false,
        }
    }

    fn check() -> Self {
        Self {
            out: None,
            failed: false,
        }
    }

    /// True once a conformance check knows its answer.
    fn done(&self) -> bool {
        self.failed && self.out.is_none()
    }

    fn emit(&mut self, make: impl FnOnce() -> ValidationResult) {
        self.failed = true;
        if let Some(out) = self.out.as_deref_mut() {
            out.push(make());
        }
    }
}

struct Context<'a> {
    shapes: &'a Shapes,
    data: &'a Graph,
    /// Memo: class -> itself and all its superclasses (`rdfs:subClassOf*`).
    superclasses: HashMap<Term, HashSet<Term>>,
}

impl Context<'_> {
    fn focus_nodes(&self, targets: &[Target]) -> Vec<Term> {
        let mut seen = HashSet::new();
        let mut nodes = Vec::new();
        let mut add = |t: TermRef<'_>| {
            if seen.insert(t.into_owned()) {
                nodes.push(t.into_owned());
            }
        };
        for target in targets {
            match target {
                Target::Class(class) => {
                    for c in self.subclasses(class.as_ref().into()) {
                        for s in self
                            .data
                            .subjects_for_predicate_object(rdf::TYPE, c.as_ref())
                        {
                            add(s.into());
                        }
                    }
                }
                Target::Node(n) => add(n.as_ref()),
                Target::SubjectsOf(p) => {
                    for t in self.data.triples_for_predicate(p) {
                        add(t.subject.into());
                    }
                }
                Target::ObjectsOf(p) => {
                    for t in self.data.triples_for_predicate(p) {
                        add(t.object);
                    }
                }
            }
        }
        nodes
    }

    /// `class` and everything that is `rdfs:subClassOf+` it in the data graph.
    fn subclasses(&self, class: TermRef<'_>) -> Vec<Term> {
        let mut seen: HashSet<Term> = HashSet::from([class.into_owned()]);
        let mut queue = vec![class.into_owned()];
        let mut i = 0;
        while let Some(c) = queue.get(i).cloned() {
            i += 1;
            for s in self
                .data
                .subjects_for_predicate_object(rdfs::SUB_CLASS_OF, c.as_ref())
            {
                let s: Term = s.into_owned().into();
                if seen.insert(s.clone()) {
                    queue.push(s);
                }
            }
        }
        queue
    }

    /// `class` and all its superclasses in the data graph (memoised).
    fn superclasses(&mut self, class: TermRef<'_>) -> &HashSet<Term> {
        let key = class.into_owned();
        let data = self.data;
        self.superclasses.entry(key.clone()).or_insert_with(|| {
            let mut seen: HashSet<Term> = HashSet::from([key.clone()]);
            let mut queue = vec![key];
            while let Some(c) = queue.pop() {
                if let Some(node) = as_node(c.as_ref()) {
                    for o in data.objects_for_subject_predicate(node, rdfs::SUB_CLASS_OF) {
                        if seen.insert(o.into_owned()) {
                            queue.push(o.into_owned());
                        }
                    }
                }
            }
            seen
        })
    }

    /// SHACL instance check: `value rdf:type/rdfs:subClassOf* class`.
    fn is_instance(&mut self, value: &Term, class: &NamedNode) -> bool {
        let Some(node) = as_node(value.as_ref()) else {
            return false;
        };
        let data = self.data;
        let class: Term = class.clone().into();
        data.objects_for_subject_predicate(node, rdf::TYPE)
            .any(|t| self.superclasses(t).contains(&class))
    }

    /// Value nodes of `path` from `focus`, without duplicates, in discovery order.
    fn values(&self, path: &Path, focus: &Term) -> Vec<Term> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for v in self.step(path, focus, false) {
            if seen.insert(v.clone()) {
                out.push(v);
            }
        }
        out
    }

    /// Nodes reachable from `node` by `path` (or by its inverse when `inverse`).
    fn step(&self, path: &Path, node: &Term, inverse: bool) -> Vec<Term> {
        match path {
            Path::Predicate(p) => {
                if inverse {
                    self.data
                        .subjects_for_predicate_object(p, node)
                        .map(|s| s.into_owned().into())
                        .collect()
                } else if let Some(subject) = as_node(node.as_ref()) {
                    self.data
                        .objects_for_subject_predicate(subject, p)
                        .map(TermRef::into_owned)
                        .collect()
                } else {
                    Vec::new()
                }
            }
            Path::Inverse(inner) => self.step(inner, node, !inverse),
            Path::Alternative(paths) => paths
                .iter()
                .flat_map(|p| self.step(p, node, inverse))
                .collect(),
            Path::Sequence(paths) => {
                let mut current = vec![node.clone()];
                let ordered: Box<dyn Iterator<Item = &Path>> = if inverse {
                    Box::new(paths.iter().rev())
                } else {
                    Box::new(paths.iter())
                };
                for p in ordered {
                    let mut next = Vec::new();
                    let mut seen = HashSet::new();
                    for n in &current {
                        for v in self.step(p, n, inverse) {
                            if seen.insert(v.clone()) {
                                next.push(v);
                            }
                        }
                    }
                    current = next;
                }
                current
            }
            Path::ZeroOrOne(inner) => {
                let mut out = vec![node.clone()];
                out.extend(self.step(inner, node, inverse));
                out
            }
            Path::ZeroOrMore(inner) | Path::OneOrMore(inner) => {
                let mut seen = HashSet::new();
                let mut out = Vec::new();
                if matches!(path, Path::ZeroOrMore(_)) {
                    seen.insert(node.clone());
                    out.push(node.clone());
                }
                let mut frontier = vec![node.clone()];
                while let Some(n) = frontier.pop() {
                    for v in self.step(inner, &n, inverse) {
                        if seen.insert(v.clone()) {
                            out.push(v.clone());
                            frontier.push(v);
                        }
                    }
                }
                out
            }
        }
    }

    /// Whether `node` conforms to shape `id` (no results of any severity).
    fn conforms(&mut self, id: ShapeId, node: &Term) -> bool {
        let mut sink = Sink::check();
        self.validate_shape(id, node, &mut sink);
        !sink.failed
    }

    fn validate_shape(&mut self, id: ShapeId, focus: &Term, sink: &mut Sink<'_>) {
        let shapes = self.shapes;
        let shape = &shapes.shapes[id];
        if shape.deactivated {
            return;
        }
        let values = match &shape.path {
            Some(path) => self.values(path, focus),
            None => vec![focus.clone()],
        };
        let result = |component: &'static str, value: Option<&Term>| ValidationResult {
            focus: focus.clone(),
            path: shape.path_text.clone(),
            value: value.cloned(),
            component,
            severity: shape.severity.clone(),
            shape: shape.name.clone(),
            message: shape.message.clone(),
        };
        for constraint in &shape.constraints {
            if sink.done() {
                return;
            }
            let component = constraint.component();
            // Constraints judged on the whole set of value nodes.
            let whole = match constraint {
                Constraint::MinCount(n) => Some(values.len() >= *n),
                Constraint::MaxCount(n) => Some(values.len() <= *n),
                Constraint::HasValue(v) if shape.path.is_some() => Some(values.contains(v)),
                _ => None,
            };
            if let Some(ok) = whole {
                if !ok {
                    sink.emit(|| result(component, None));
                }
                continue;
            }
            for value in &values {
                if sink.done() {
                    return;
                }
                let ok = match constraint {
                    Constraint::Property(p) => {
                        // Results of a property shape are reported as its own.
                        self.validate_shape(*p, value, sink);
                        continue;
                    }
                    Constraint::Class(c) => self.is_instance(value, c),
                    Constraint::Datatype(d) => has_datatype(value, d.as_ref()),
                    Constraint::NodeKind(k) => k.matches(value),
                    Constraint::Pattern { pattern, flags } => match value {
                        Term::BlankNode(_) => false,
                        Term::NamedNode(n) => {
                            shapes.regex.is_match(n.as_str(), pattern, flags.as_ref())
                        }
                        Term::Literal(l) => {
                            shapes.regex.is_match(l.value(), pattern, flags.as_ref())
                        }
                    },
                    Constraint::HasValue(v) => value == v,
                    Constraint::In(list) => list.contains(value),
                    Constraint::Node(s) => self.conforms(*s, value),
                    Constraint::Not(s) => !self.conforms(*s, value),
                    Constraint::Or(members) => members.iter().any(|s| self.conforms(*s, value)),
                    Constraint::And(members) => members.iter().all(|s| self.conforms(*s, value)),
                    Constraint::Xone(members) => {
                        members.iter().filter(|s| self.conforms(**s, value)).count() == 1
                    }
                    Constraint::MinCount(_) | Constraint::MaxCount(_) => true,
                };
                if !ok {
                    sink.emit(|| result(component, Some(value)));
                }
            }
        }
    }
}

/// `sh:datatype`: a literal whose datatype IRI is `datatype` and that is not ill-typed.
fn has_datatype(value: &Term, datatype: NamedNodeRef<'_>) -> bool {
    match value {
        Term::Literal(l) => l.datatype() == datatype && is_well_formed(l.value(), datatype),
        _ => false,
    }
}

/// Whether `lexical` is in the lexical space of `datatype`.
///
/// Covers the XSD datatypes that SPARQL 1.1 and the DCAT-AP shapes use (numeric, boolean,
/// date/time, durations, binary). Literals of any other datatype (strings, `rdf:langString`,
/// unknown datatypes) are never ill-typed. XSD collapses whitespace before checking the lexical
/// space, so surrounding whitespace is allowed.
pub fn is_well_formed(lexical: &str, datatype: NamedNodeRef<'_>) -> bool {
    let s = lexical.trim_matches([' ', '\t', '\n', '\r']);
    let d = datatype;
    if d == xsd::BOOLEAN {
        matches!(s, "true" | "false" | "1" | "0")
    } else if d == xsd::DECIMAL {
        lex::decimal(s)
    } else if d == xsd::FLOAT || d == xsd::DOUBLE {
        lex::double(s)
    } else if let Some((min, max)) = lex::integer_bounds(d) {
        lex::integer(s, min, max)
    } else if d == xsd::DATE {
        lex::date(s)
    } else if d == xsd::DATE_TIME {
        lex::date_time(s, false)
    } else if d == xsd::DATE_TIME_STAMP {
        lex::date_time(s, true)
    } else if d == xsd::TIME {
        lex::time_tz(s)
    } else if d == xsd::G_YEAR {
        lex::g_year(s)
    } else if d == xsd::G_YEAR_MONTH {
        lex::g_year_month(s)
    } else if d == xsd::G_MONTH {
        lex::g_month(s)
    } else if d == xsd::G_DAY {
        lex::g_day(s)
    } else if d == xsd::G_MONTH_DAY {
        lex::g_month_day(s)
    } else if d == xsd::DURATION {
        lex::duration(s, true, true)
    } else if d == xsd::DAY_TIME_DURATION {
        lex::duration(s, false, true)
    } else if d == xsd::YEAR_MONTH_DURATION {
        lex::duration(s, true, false)
    } else if d == xsd::HEX_BINARY {
        s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
    } else if d == xsd::BASE_64_BINARY {
        lex::base64(s)
    } else {
        true
    }
}

/// Lexical-space checks for XSD datatypes (XML Schema 1.1 Part 2).
mod lex {
    use oxigraph::model::NamedNodeRef;
    use oxigraph::model::vocab::xsd;

    /// Splits off a leading run of ASCII digits.
    fn digits(s: &str) -> (&str, &str) {
        let end = s
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(s.len());
        s.split_at(end)
    }

    fn strip_sign(s: &str) -> (bool, &str) {
        match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        }
    }

    pub fn decimal(s: &str) -> bool {
        let (_, s) = strip_sign(s);
        let (int, rest) = digits(s);
        match rest.strip_prefix('.') {
            None => !int.is_empty() && rest.is_empty(),
            Some(frac) => {
                let (f, tail) = digits(frac);
                tail.is_empty() && !(int.is_empty() && f.is_empty())
            }
        }
    }

    pub fn double(s: &str) -> bool {
        if matches!(s, "INF" | "+INF" | "-INF" | "NaN") {
            return true;
        }
        match s.find(['e', 'E']) {
            None => decimal(s),
            Some(i) => {
                let (_, exp) = strip_sign(&s[i + 1..]);
                decimal(&s[..i]) && !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
            }
        }
    }

    /// Inclusive bounds of the integer datatypes (`None` = unbounded); `None` for other types.
    pub fn integer_bounds(d: NamedNodeRef<'_>) -> Option<(Option<i128>, Option<i128>)> {
        let r = |min: i128, max: i128| Some((Some(min), Some(max)));
        Some(match d {
            d if d == xsd::INTEGER => (None, None),
            d if d == xsd::NON_NEGATIVE_INTEGER => (Some(0), None),
            d if d == xsd::POSITIVE_INTEGER => (Some(1), None),
            d if d == xsd::NON_POSITIVE_INTEGER => (None, Some(0)),
            d if d == xsd::NEGATIVE_INTEGER => (None, Some(-1)),
            d if d == xsd::LONG => return r(i64::MIN.into(), i64::MAX.into()),
            d if d == xsd::INT => return r(i32::MIN.into(), i32::MAX.into()),
            d if d == xsd::SHORT => return r(i16::MIN.into(), i16::MAX.into()),
            d if d == xsd::BYTE => return r(i8::MIN.into(), i8::MAX.into()),
            d if d == xsd::UNSIGNED_LONG => return r(0, u64::MAX.into()),
            d if d == xsd::UNSIGNED_INT => return r(0, u32::MAX.into()),
            d if d == xsd::UNSIGNED_SHORT => return r(0, u16::MAX.into()),
            d if d == xsd::UNSIGNED_BYTE => return r(0, u8::MAX.into()),
            _ => return None,
        })
    }

    pub fn integer(s: &str, min: Option<i128>, max: Option<i128>) -> bool {
        let (negative, body) = strip_sign(s);
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let significant = body.trim_start_matches('0');
        let value: Option<i128> = if significant.is_empty() {
            Some(0)
        } else {
            significant
                .parse::<i128>()
                .ok()
                .map(|v| if negative { -v } else { v })
        };
        match value {
            Some(v) => min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m),
            // Too large for i128: only valid where that side is unbounded.
            None if negative => min.is_none(),
            None => max.is_none(),
        }
    }

    /// `-?YYYY` (more digits only without a leading zero); returns the year and the rest.
    fn year(s: &str) -> Option<(i64, &str)> {
        let (negative, body) = strip_sign(s);
        if s.starts_with('+') {
            return None;
        }
        let (y, rest) = digits(body);
        if y.len() < 4 || (y.len() > 4 && y.starts_with('0')) {
            return None;
        }
        let value: i64 = y.parse().ok()?;
        Some((if negative { -value } else { value }, rest))
    }

    /// Exactly two digits; returns their value and the rest.
    fn two(s: &str) -> Option<(u32, &str)> {
        let b = s.as_bytes();
        if b.len() >= 2 && b[0].is_ascii_digit() && b[1].is_ascii_digit() {
            Some((
                u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'),
                &s[2..],
            ))
        } else {
            None
        }
    }

    fn timezone(s: &str) -> bool {
        if s.is_empty() || s == "Z" {
            return true;
        }
        let Some(rest) = s.strip_prefix(['+', '-']) else {
            return false;
        };
        match two(rest) {
            Some((h, rest)) => match rest.strip_prefix(':').and_then(two) {
                Some((m, "")) => (h < 14 && m < 60) || (h == 14 && m == 0),
                _ => false,
            },
            None => false,
        }
    }

    fn leap(year: i64) -> bool {
        // XSD 1.1: year 0 is 1 BCE, a leap year; the Gregorian rule extends to negative years.
        year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
    }

    fn days_in_month(year: Option<i64>, month: u32) -> u32 {
        match month {
            2 => match year {
                Some(y) if !leap(y) => 28,
                _ => 29,
            },
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// `YYYY-MM-DD`; returns the rest.
    fn date_part(s: &str) -> Option<&str> {
        let (y, rest) = year(s)?;
        let (m, rest) = two(rest.strip_prefix('-')?)?;
        let (d, rest) = two(rest.strip_prefix('-')?)?;
        ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(Some(y), m)).then_some(rest)
    }

    /// `hh:mm:ss(.s+)?`; returns the rest.
    fn time_part(s: &str) -> Option<&str> {
        let (h, rest) = two(s)?;
        let (m, rest) = two(rest.strip_prefix(':')?)?;
        let (sec, mut rest) = two(rest.strip_prefix(':')?)?;
        let mut fraction_zero = true;
        if let Some(frac) = rest.strip_prefix('.') {
            let (f, tail) = digits(frac);
            if f.is_empty() {
                return None;
            }
            fraction_zero = f.bytes().all(|b| b == b'0');
            rest = tail;
        }
        let ok = (h < 24 && m < 60 && sec < 60) || (h == 24 && m == 0 && sec == 0 && fraction_zero);
        ok.then_some(rest)
    }

    pub fn date(s: &str) -> bool {
        date_part(s).is_some_and(timezone)
    }

    pub fn date_time(s: &str, timezone_required: bool) -> bool {
        date_part(s)
            .and_then(|r| r.strip_prefix('T'))
            .and_then(time_part)
            .is_some_and(|tz| timezone(tz) && !(timezone_required && tz.is_empty()))
    }

    pub fn time_tz(s: &str) -> bool {
        time_part(s).is_some_and(timezone)
    }

    pub fn g_year(s: &str) -> bool {
        year(s).is_some_and(|(_, rest)| timezone(rest))
    }

    pub fn g_year_month(s: &str) -> bool {
        year(s)
            .and_then(|(_, rest)| rest.strip_prefix('-'))
            .and_then(two)
            .is_some_and(|(m, rest)| (1..=12).contains(&m) && timezone(rest))
    }

    pub fn g_month(s: &str) -> bool {
        s.strip_prefix("--")
            .and_then(two)
            .is_some_and(|(m, rest)| (1..=12).contains(&m) && timezone(rest))
    }

    pub fn g_day(s: &str) -> bool {
        s.strip_prefix("---")
            .and_then(two)
            .is_some_and(|(d, rest)| (1..=31).contains(&d) && timezone(rest))
    }

    pub fn g_month_day(s: &str) -> bool {
        let Some((m, rest)) = s.strip_prefix("--").and_then(two) else {
            return false;
        };
        rest.strip_prefix('-')
            .and_then(two)
            .is_some_and(|(d, rest)| {
                (1..=12).contains(&m) && d >= 1 && d <= days_in_month(None, m) && timezone(rest)
            })
    }

    /// `-?PnYnMnDTnHnMnS` with at least one component, `T` only before a time component.
    pub fn duration(s: &str, allow_year_month: bool, allow_day_time: bool) -> bool {
        let s = s.strip_prefix('-').unwrap_or(s);
        let Some(mut rest) = s.strip_prefix('P') else {
            return false;
        };
        let (date, time) = match rest.find('T') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let mut any = false;
        // Date part: Y, M, D in this order.
        rest = date;
        for (unit, allowed) in [
            ('Y', allow_year_month),
            ('M', allow_year_month),
            ('D', allow_day_time),
        ] {
            let (n, tail) = digits(rest);
            if !n.is_empty() {
                match tail.strip_prefix(unit) {
                    Some(t) if allowed => {
                        rest = t;
                        any = true;
                    }
                    Some(_) => return false,
                    None => continue,
                }
            }
        }
        if !rest.is_empty() {
            return false;
        }
        if let Some(time) = time {
            if !allow_day_time {
                return false;
            }
            let mut rest = time;
            let mut any_time = false;
            for unit in ['H', 'M'] {
                let (n, tail) = digits(rest);
                if !n.is_empty()
                    && let Some(t) = tail.strip_prefix(unit)
                {
                    rest = t;
                    any_time = true;
                }
            }
            let (n, tail) = digits(rest);
            if !n.is_empty() {
                let tail = match tail.strip_prefix('.') {
                    Some(frac) => {
                        let (f, t) = digits(frac);
                        if f.is_empty() {
                            return false;
                        }
                        t
                    }
                    None => tail,
                };
                match tail.strip_prefix('S') {
                    Some("") => {
                        rest = "";
                        any_time = true;
                    }
                    _ => return false,
                }
            }
            if !rest.is_empty() || !any_time {
                return false;
            }
            any = true;
        }
        any
    }

    pub fn base64(s: &str) -> bool {
        let chars: Vec<u8> = s.bytes().filter(|b| *b != b' ').collect();
        if !chars.len().is_multiple_of(4) {
            return false;
        }
        let padding = chars.iter().rev().take_while(|b| **b == b'=').count();
        padding <= 2
            && chars[..chars.len() - padding]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIXES: &str = "@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <http://example.org/> .\n";

    fn shapes(ttl: &str) -> Shapes {
        match Shapes::from_turtle(&[&format!("{PREFIXES}{ttl}")]) {
            Ok(s) => s,
            Err(e) => panic!("shapes do not load: {e}"),
        }
    }

    fn data(ttl: &str) -> Graph {
        let mut g = Graph::new();
        for t in RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(format!("{PREFIXES}{ttl}").as_bytes())
        {
            match t {
                Ok(t) => {
                    g.insert(&Triple::from(t));
                }
                Err(e) => panic!("bad test data: {e}"),
            }
        }
        g
    }

    /// Components of the results for `data` against `shapes`, sorted.
    fn run(shapes_ttl: &str, data_ttl: &str) -> Vec<&'static str> {
        let mut c: Vec<_> = validate(&shapes(shapes_ttl), &data(data_ttl))
            .into_iter()
            .map(|r| r.component)
            .collect();
        c.sort_unstable();
        c
    }

    fn property(constraint: &str) -> String {
        format!(
            "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; {constraint} ] ."
        )
    }

    #[test]
    fn min_count() {
        let s = property("sh:minCount 2");
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p 1 ."),
            ["MinCountConstraintComponent"]
        );
        assert!(run(&s, "ex:x a ex:C ; ex:p 1, 2 .").is_empty());
        // Duplicate triples do not count twice; distinct values do.
        assert!(run(&s, "ex:x a ex:C ; ex:p \"a\"@de, \"a\"@en .").is_empty());
    }

    #[test]
    fn max_count() {
        let s = property("sh:maxCount 1");
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p \"2020-01-01\", \"2021-01-01\" ."),
            ["MaxCountConstraintComponent"]
        );
        assert!(run(&s, "ex:x a ex:C ; ex:p 1 .").is_empty());
        assert!(run(&s, "ex:x a ex:C .").is_empty());
    }

    #[test]
    fn result_fields() {
        let s = shapes(
            "ex:S sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath ex:p ] ;
               sh:minCount 1 ; sh:severity sh:Warning ; sh:message \"m\"@de, \"need one\"@en ] .",
        );
        let r = validate(&s, &data("ex:x a ex:C ."));
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].focus,
            Term::from(NamedNode::new_unchecked("http://example.org/x"))
        );
        assert_eq!(r[0].path.as_deref(), Some("^<http://example.org/p>"));
        assert_eq!(r[0].severity, Severity::Warning);
        assert_eq!(r[0].message.as_deref(), Some("need one"));
        assert_eq!(r[0].shape, "http://example.org/S ^<http://example.org/p>");
        assert!(r[0].value.is_none());
    }

    #[test]
    fn node_kind() {
        let s = property("sh:nodeKind sh:BlankNodeOrIRI");
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p \"lit\" ."),
            ["NodeKindConstraintComponent"]
        );
        assert!(run(&s, "ex:x a ex:C ; ex:p ex:y, [] .").is_empty());
        let s = property("sh:nodeKind sh:Literal");
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p ex:y ."),
            ["NodeKindConstraintComponent"]
        );
        let s = property("sh:nodeKind sh:IRI");
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p [] ."),
            ["NodeKindConstraintComponent"]
        );
    }

    #[test]
    fn datatype() {
        let s = property("sh:datatype xsd:date");
        assert!(run(&s, "ex:x a ex:C ; ex:p \"2020-02-29\"^^xsd:date .").is_empty());
        // Wrong datatype, plain string, IRI, and ill-typed literal of the right datatype.
        assert_eq!(
            run(
                &s,
                "ex:x a ex:C ; ex:p \"2020-02-29T00:00:00\"^^xsd:dateTime ."
            )
            .len(),
            1
        );
        assert_eq!(run(&s, "ex:x a ex:C ; ex:p \"2020-02-29\" .").len(), 1);
        assert_eq!(run(&s, "ex:x a ex:C ; ex:p ex:y .").len(), 1);
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p \"2021-02-29\"^^xsd:date ."),
            ["DatatypeConstraintComponent"]
        );
        let s = property("sh:datatype rdf:langString");
        let s = format!("@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n{s}");
        assert!(run(&s, "ex:x a ex:C ; ex:p \"a\"@en .").is_empty());
        assert_eq!(run(&s, "ex:x a ex:C ; ex:p \"a\" .").len(), 1);
        let s = property("sh:datatype xsd:string");
        assert!(run(&s, "ex:x a ex:C ; ex:p \"a\" .").is_empty());
        assert_eq!(run(&s, "ex:x a ex:C ; ex:p \"a\"@en .").len(), 1);
    }

    #[test]
    fn lexical_spaces() {
        let ok = |s: &str, d: NamedNodeRef<'_>| is_well_formed(s, d);
        assert!(ok("2020-02-29", xsd::DATE) && !ok("2019-02-29", xsd::DATE));
        assert!(ok("2020-01-01Z", xsd::DATE) && ok("2020-01-01+14:00", xsd::DATE));
        assert!(!ok("2020-1-01", xsd::DATE) && !ok("2020-01-01+15:00", xsd::DATE));
        assert!(!ok("20200101", xsd::DATE) && !ok("01.01.2020", xsd::DATE));
        assert!(
            ok("2020-01-01T10:00:00", xsd::DATE_TIME) && ok("2020-01-01T24:00:00Z", xsd::DATE_TIME)
        );
        assert!(ok("2020-01-01T10:00:00.123+01:00", xsd::DATE_TIME));
        assert!(!ok("2020-01-01", xsd::DATE_TIME) && !ok("2020-01-01T10:00", xsd::DATE_TIME));
        assert!(!ok("2020-01-01T10:00:00", xsd::DATE_TIME_STAMP));
        assert!(ok("2020", xsd::G_YEAR) && ok("-0044", xsd::G_YEAR) && !ok("20", xsd::G_YEAR));
        assert!(!ok("02020", xsd::G_YEAR) && ok("12020", xsd::G_YEAR));
        assert!(ok("2020-12", xsd::G_YEAR_MONTH) && !ok("2020-13", xsd::G_YEAR_MONTH));
        assert!(ok("--02-29", xsd::G_MONTH_DAY) && !ok("--02-30", xsd::G_MONTH_DAY));
        assert!(ok("--12", xsd::G_MONTH) && ok("---31", xsd::G_DAY) && !ok("---32", xsd::G_DAY));
        assert!(ok("12:00:00", xsd::TIME) && !ok("12:60:00", xsd::TIME));
        assert!(ok("0", xsd::NON_NEGATIVE_INTEGER) && ok("-0", xsd::NON_NEGATIVE_INTEGER));
        assert!(!ok("-1", xsd::NON_NEGATIVE_INTEGER) && !ok("1.0", xsd::NON_NEGATIVE_INTEGER));
        assert!(ok("+0012", xsd::INTEGER) && !ok("", xsd::INTEGER) && !ok("1e3", xsd::INTEGER));
        assert!(ok(
            "99999999999999999999999999999999999999999",
            xsd::NON_NEGATIVE_INTEGER
        ));
        assert!(!ok(
            "-99999999999999999999999999999999999999999",
            xsd::NON_NEGATIVE_INTEGER
        ));
        assert!(ok("127", xsd::BYTE) && !ok("128", xsd::BYTE) && !ok("0", xsd::POSITIVE_INTEGER));
        assert!(ok(" 42 ", xsd::INTEGER));
        assert!(ok("1.5", xsd::DECIMAL) && ok("-.5", xsd::DECIMAL) && ok("5.", xsd::DECIMAL));
        assert!(!ok("1e5", xsd::DECIMAL) && !ok(".", xsd::DECIMAL) && !ok("1,5", xsd::DECIMAL));
        assert!(ok("1e5", xsd::DOUBLE) && ok("-INF", xsd::DOUBLE) && !ok("1e", xsd::DOUBLE));
        assert!(ok("true", xsd::BOOLEAN) && ok("0", xsd::BOOLEAN) && !ok("yes", xsd::BOOLEAN));
        assert!(ok("P1Y2M3DT4H5M6.5S", xsd::DURATION) && ok("-PT1S", xsd::DURATION));
        assert!(ok("P1D", xsd::DURATION) && ok("PT36H", xsd::DURATION));
        assert!(
            !ok("P", xsd::DURATION) && !ok("P1DT", xsd::DURATION) && !ok("PT1D", xsd::DURATION)
        );
        assert!(!ok("1D", xsd::DURATION) && !ok("P1M1Y", xsd::DURATION));
        assert!(ok("P1D", xsd::DAY_TIME_DURATION) && !ok("P1Y", xsd::DAY_TIME_DURATION));
        assert!(ok("P1Y", xsd::YEAR_MONTH_DURATION) && !ok("PT1H", xsd::YEAR_MONTH_DURATION));
        assert!(
            ok("0fA9", xsd::HEX_BINARY)
                && !ok("abc", xsd::HEX_BINARY)
                && !ok("zz", xsd::HEX_BINARY)
        );
        assert!(ok("aGVsbG8=", xsd::BASE_64_BINARY) && !ok("aGVsbG8", xsd::BASE_64_BINARY));
        assert!(ok("anything", xsd::STRING) && ok("x", NamedNodeRef::new_unchecked("urn:unknown")));
    }

    #[test]
    fn class_with_subclasses() {
        let s = property("sh:class ex:Agent");
        assert!(run(&s, "ex:x a ex:C ; ex:p ex:y . ex:y a ex:Agent .").is_empty());
        let sub = "ex:x a ex:C ; ex:p ex:y . ex:y a ex:Org . ex:Org rdfs:subClassOf ex:Mid . ex:Mid rdfs:subClassOf ex:Agent .";
        assert!(run(&s, sub).is_empty());
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p ex:y . ex:y a ex:Other ."),
            ["ClassConstraintComponent"]
        );
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p \"lit\" ."),
            ["ClassConstraintComponent"]
        );
        // Cyclic subclass axioms terminate.
        let cyc = "ex:x a ex:C ; ex:p ex:y . ex:y a ex:A . ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:A .";
        assert_eq!(run(&s, cyc), ["ClassConstraintComponent"]);
    }

    #[test]
    fn target_class_uses_subclasses() {
        let s = property("sh:minCount 1");
        assert_eq!(
            run(&s, "ex:x a ex:D . ex:D rdfs:subClassOf ex:C ."),
            ["MinCountConstraintComponent"]
        );
        assert!(run(&s, "ex:x a ex:D .").is_empty());
    }

    #[test]
    fn other_targets() {
        let c = "sh:property [ sh:path ex:q ; sh:minCount 1 ] .";
        assert_eq!(
            run(&format!("ex:S sh:targetNode ex:n ; {c}"), "ex:z ex:q 1 .").len(),
            1
        );
        assert_eq!(
            run(
                &format!("ex:S sh:targetSubjectsOf ex:p ; {c}"),
                "ex:a ex:p ex:b ."
            )
            .len(),
            1
        );
        assert_eq!(
            run(
                &format!("ex:S sh:targetObjectsOf ex:p ; {c}"),
                "ex:a ex:p ex:b ."
            )
            .len(),
            1
        );
        assert!(
            run(
                &format!("ex:S sh:targetObjectsOf ex:p ; {c}"),
                "ex:a ex:p ex:b . ex:b ex:q 1 ."
            )
            .is_empty()
        );
        // Implicit class target.
        let implicit = format!("ex:C a rdfs:Class, sh:NodeShape ; {c}");
        assert_eq!(
            run(&implicit, "ex:x a ex:C ."),
            ["MinCountConstraintComponent"]
        );
    }

    #[test]
    fn has_value() {
        let s = property("sh:hasValue ex:v");
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p ex:w ."),
            ["HasValueConstraintComponent"]
        );
        assert!(run(&s, "ex:x a ex:C ; ex:p ex:w, ex:v .").is_empty());
        // On a node shape the focus node itself must be the value.
        let n = "ex:S sh:targetClass ex:C ; sh:hasValue ex:x .";
        assert!(run(n, "ex:x a ex:C .").is_empty());
        assert_eq!(run(n, "ex:y a ex:C ."), ["HasValueConstraintComponent"]);
    }

    #[test]
    fn in_list() {
        let s = property("sh:in ( ex:a \"b\" 1 )");
        assert!(run(&s, "ex:x a ex:C ; ex:p ex:a, \"b\", 1 .").is_empty());
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p ex:a, \"c\" ."),
            ["InConstraintComponent"]
        );
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p \"1\" ."),
            ["InConstraintComponent"]
        );
    }

    #[test]
    fn pattern() {
        let s = property("sh:pattern \"^https://sws\\\\.geonames\\\\.org/\"");
        assert!(run(&s, "ex:x a ex:C ; ex:p <https://sws.geonames.org/123/> .").is_empty());
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p <http://sws.geonames.org/123/> ."),
            ["PatternConstraintComponent"]
        );
        // Blank nodes never match; literals match on their lexical form.
        assert_eq!(
            run(&s, "ex:x a ex:C ; ex:p [] ."),
            ["PatternConstraintComponent"]
        );
        assert!(run(&s, "ex:x a ex:C ; ex:p \"https://sws.geonames.org/1\"@en .").is_empty());
        let s = property("sh:pattern \"^abc$\" ; sh:flags \"i\"");
        assert!(run(&s, "ex:x a ex:C ; ex:p \"ABC\" .").is_empty());
        assert_eq!(run(&s, "ex:x a ex:C ; ex:p \"ABCD\" .").len(), 1);
        let bad = format!("{PREFIXES}{}", property("sh:pattern \"(\""));
        assert!(matches!(
            Shapes::from_turtle(&[&bad]),
            Err(ShapesError::Invalid { .. })
        ));
    }

    #[test]
    fn node() {
        let s = "ex:Date sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:dateTime ] ) .
                 ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:Date ] .";
        assert!(run(s, "ex:x a ex:C ; ex:p \"2020-01-01\"^^xsd:date .").is_empty());
        let r = validate(
            &shapes(s),
            &data("ex:x a ex:C ; ex:p \"2020\"^^xsd:gYear ."),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].component, "NodeConstraintComponent");
        assert!(matches!(&r[0].value, Some(Term::Literal(l)) if l.value() == "2020"));
        // sh:node must point to a node shape.
        let bad =
            format!("{PREFIXES}ex:P sh:path ex:q . ex:S sh:targetClass ex:C ; sh:node ex:P .");
        assert!(Shapes::from_turtle(&[&bad]).is_err());
    }

    #[test]
    fn nested_node_on_code_list() {
        // The DCAT-AP pattern: value must be an IRI in a given skos:inScheme.
        let s = "ex:R sh:property [ sh:path ex:inScheme ; sh:hasValue ex:list ; sh:minCount 1 ; sh:nodeKind sh:IRI ] .
                 ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:R ; sh:severity sh:Warning ] .";
        assert!(run(s, "ex:x a ex:C ; ex:p ex:v . ex:v ex:inScheme ex:list .").is_empty());
        let r = validate(
            &shapes(s),
            &data("ex:x a ex:C ; ex:p ex:v . ex:v ex:inScheme ex:other ."),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].component, &r[0].severity),
            ("NodeConstraintComponent", &Severity::Warning)
        );
    }

    #[test]
    fn or() {
        // Node-level sh:or of property shapes, as in DCAT-AP's Catalog_Shape2.
        let s = "ex:S sh:targetClass ex:C ; sh:severity sh:Warning ;
                 sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) .";
        assert!(run(s, "ex:x a ex:C ; ex:b 1 .").is_empty());
        let r = validate(&shapes(s), &data("ex:x a ex:C ."));
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].component, &r[0].severity),
            ("OrConstraintComponent", &Severity::Warning)
        );
        assert!(r[0].path.is_none());
    }

    #[test]
    fn and_xone_not() {
        let a = "ex:A sh:property [ sh:path ex:a ; sh:minCount 1 ] . ex:B sh:property [ sh:path ex:b ; sh:minCount 1 ] .";
        let and = format!("{a} ex:S sh:targetClass ex:C ; sh:and ( ex:A ex:B ) .");
        assert_eq!(
            run(&and, "ex:x a ex:C ; ex:a 1 ."),
            ["AndConstraintComponent"]
        );
        assert!(run(&and, "ex:x a ex:C ; ex:a 1 ; ex:b 1 .").is_empty());
        let xone = format!("{a} ex:S sh:targetClass ex:C ; sh:xone ( ex:A ex:B ) .");
        assert_eq!(
            run(&xone, "ex:x a ex:C ; ex:a 1 ; ex:b 1 ."),
            ["XoneConstraintComponent"]
        );
        assert!(run(&xone, "ex:x a ex:C ; ex:a 1 .").is_empty());
        let not = format!("{a} ex:S sh:targetClass ex:C ; sh:not ex:A .");
        assert_eq!(
            run(&not, "ex:x a ex:C ; ex:a 1 ."),
            ["NotConstraintComponent"]
        );
        assert!(run(&not, "ex:x a ex:C .").is_empty());
    }

    #[test]
    fn property_on_property_shape() {
        let s = "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ;
                   sh:property [ sh:path ex:name ; sh:minCount 1 ] ] .";
        let r = validate(
            &shapes(s),
            &data("ex:x a ex:C ; ex:p ex:y, ex:z . ex:z ex:name \"z\" ."),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].focus,
            Term::from(NamedNode::new_unchecked("http://example.org/y"))
        );
    }

    #[test]
    fn paths() {
        let count = |path: &str, data_ttl: &str| {
            let s = format!(
                "ex:S sh:targetNode ex:x ; sh:property [ sh:path {path} ; sh:maxCount 0 ] ."
            );
            run(&s, data_ttl).len()
        };
        let g = "ex:x ex:p ex:y . ex:y ex:q ex:z . ex:w ex:p ex:x .";
        assert_eq!(count("ex:p", g), 1);
        assert_eq!(count("ex:nothing", g), 0);
        assert_eq!(count("( ex:p ex:q )", g), 1);
        assert_eq!(count("( ex:p ex:p )", g), 0);
        assert_eq!(count("[ sh:inversePath ex:p ]", g), 1);
        assert_eq!(
            count("[ sh:alternativePath ( ex:q [ sh:inversePath ex:p ] ) ]", g),
            1
        );
        assert_eq!(count("[ sh:zeroOrMorePath ex:p ]", "ex:x ex:p ex:x ."), 1);
        assert_eq!(count("[ sh:oneOrMorePath ex:p ]", "ex:x ex:p ex:y ."), 1);
        assert_eq!(count("[ sh:oneOrMorePath ex:p ]", "ex:q ex:p ex:y ."), 0);
        assert_eq!(count("[ sh:zeroOrOnePath ex:p ]", "ex:q ex:p ex:y ."), 1);
        assert_eq!(
            count(
                "[ sh:inversePath ( ex:p ex:q ) ]",
                "ex:a ex:p ex:b . ex:b ex:q ex:x ."
            ),
            1
        );
        let bad = format!(
            "{PREFIXES}ex:S sh:targetNode ex:x ; sh:property [ sh:path [ ex:foo ex:p ] ] ."
        );
        assert!(Shapes::from_turtle(&[&bad]).is_err());
        let inv = shapes(
            "ex:S sh:targetNode ex:x ; sh:property [ sh:path [ sh:inversePath ( ex:p [ sh:zeroOrMorePath ex:q ] ) ] ; sh:minCount 9 ] .",
        );
        let r = validate(&inv, &data(""));
        assert_eq!(
            r[0].path.as_deref(),
            Some("^(<http://example.org/p> / <http://example.org/q>*)")
        );
    }

    #[test]
    fn severity_and_deactivated() {
        let s = "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:severity sh:Info ] .";
        let r = validate(&shapes(s), &data("ex:x a ex:C ."));
        assert_eq!(r[0].severity, Severity::Info);
        let off = "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:deactivated true ] .";
        assert!(run(off, "ex:x a ex:C .").is_empty());
        let off = "ex:S sh:targetClass ex:C ; sh:deactivated true ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .";
        assert!(run(off, "ex:x a ex:C .").is_empty());
        // A deactivated shape referenced by sh:node always conforms.
        let node = "ex:D sh:deactivated true ; sh:datatype xsd:date . ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:D ] .";
        assert!(run(node, "ex:x a ex:C ; ex:p 1 .").is_empty());
    }

    #[test]
    fn unsupported_and_invalid_shapes_fail_to_load() {
        let load = |ttl: &str| Shapes::from_turtle(&[&format!("{PREFIXES}{ttl}")]);
        for feature in [
            "sh:minLength 3",
            "sh:uniqueLang true",
            "sh:languageIn ( \"en\" )",
            "sh:lessThan ex:q",
        ] {
            let err = load(&property(feature));
            assert!(
                matches!(err, Err(ShapesError::Unsupported { .. })),
                "{feature}: {err:?}"
            );
        }
        assert!(matches!(
            load("ex:S sh:targetClass ex:C ; sh:closed true ."),
            Err(ShapesError::Unsupported { .. })
        ));
        assert!(load("ex:S sh:targetClass ex:C ; sh:closed false .").is_ok());
        assert!(matches!(
            load(&property("sh:minCount \"one\"")),
            Err(ShapesError::Invalid { .. })
        ));
        assert!(matches!(
            load(&property("sh:nodeKind sh:Thing")),
            Err(ShapesError::Invalid { .. })
        ));
        assert!(matches!(
            load("ex:S sh:targetClass ex:C ; sh:minCount 1 ."),
            Err(ShapesError::Invalid { .. })
        ));
        assert!(matches!(
            load("ex:S sh:targetClass ex:C ; sh:node ex:S ."),
            Err(ShapesError::Recursive { .. })
        ));
        assert!(matches!(
            load("ex:S sh:or ( ex:T ) . ex:T sh:not ex:S ."),
            Err(ShapesError::Recursive { .. })
        ));
        assert!(matches!(
            load("ex:S sh:targetClass ex:C ; sh:in ( 1 2 "),
            Err(ShapesError::Parse { .. })
        ));
        // Annotations and DCAT-AP's sh:shape typo are accepted.
        assert!(
            load(&property(
                "sh:name \"n\" ; sh:description \"d\" ; sh:shape ex:X ; sh:order 1"
            ))
            .is_ok()
        );
    }

    #[test]
    fn blank_nodes_are_local_to_each_source() {
        let a = format!(
            "{PREFIXES}ex:S sh:targetClass ex:C ; sh:property _:b . _:b sh:path ex:p ; sh:minCount 1 ."
        );
        let b = format!(
            "{PREFIXES}ex:T sh:targetClass ex:C ; sh:property _:b . _:b sh:path ex:q ; sh:maxCount 0 ."
        );
        let s = Shapes::from_turtle(&[&a, &b]).map_err(|e| e.to_string());
        let r = validate(
            &s.unwrap_or_else(|e| panic!("{e}")),
            &data("ex:x a ex:C ; ex:q 1 ."),
        );
        let mut c: Vec<_> = r.iter().map(|r| r.component).collect();
        c.sort_unstable();
        assert_eq!(
            c,
            ["MaxCountConstraintComponent", "MinCountConstraintComponent"]
        );
    }

    #[test]
    fn shapes_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Shapes>();
    }
}
