//! Reading a SPARQL 1.1 Protocol query operation: the query text is parsed with Oxigraph's parser
//! (spargebra), updates and `SERVICE` are refused before anything is evaluated, and the protocol's
//! `default-graph-uri` / `named-graph-uri` parameters replace the query's own dataset (SPARQL 1.1
//! Protocol §2.1.4).

use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::{PreparedSparqlQuery, SparqlEvaluator};
use spargebra::algebra::{Expression, GraphPattern};
use spargebra::{Query, SparqlParser};

use super::SparqlError;

/// A query operation as the protocol receives it.
#[derive(Clone, Debug, Default)]
pub struct QueryRequest {
    /// The query text.
    pub query: String,
    /// `default-graph-uri` parameters.
    pub default_graphs: Vec<String>,
    /// `named-graph-uri` parameters.
    pub named_graphs: Vec<String>,
}

/// What a query returns, which decides the formats it can be answered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryForm {
    /// `SELECT`: a solution sequence.
    Select,
    /// `ASK`: a boolean.
    Ask,
    /// `CONSTRUCT` or `DESCRIBE`: an RDF graph.
    Graph,
}

/// A parsed query that passed the read-only checks.
pub struct CheckedQuery {
    query: Query,
    form: QueryForm,
    own_dataset: bool,
    default_graphs: Option<Vec<GraphName>>,
    named_graphs: Option<Vec<NamedOrBlankNode>>,
}

impl CheckedQuery {
    /// Parses and checks a request.
    pub fn parse(request: &QueryRequest, base: &str) -> Result<Self, SparqlError> {
        let parser = SparqlParser::new()
            .with_base_iri(format!("{base}/"))
            .map_err(|e| SparqlError::Internal(anyhow::anyhow!("bad base IRI: {e}")))?;
        let query = match parser.clone().parse_query(&request.query) {
            Ok(query) => query,
            Err(error) => {
                // An update sent to the query operation: say so instead of a parser message.
                if parser.parse_update(&request.query).is_ok() {
                    return Err(SparqlError::UpdateRefused);
                }
                return Err(SparqlError::Syntax(error.to_string()));
            }
        };
        let (form, pattern, dataset) = match &query {
            Query::Select {
                pattern, dataset, ..
            } => (QueryForm::Select, pattern, dataset),
            Query::Ask {
                pattern, dataset, ..
            } => (QueryForm::Ask, pattern, dataset),
            Query::Construct {
                pattern, dataset, ..
            }
            | Query::Describe {
                pattern, dataset, ..
            } => (QueryForm::Graph, pattern, dataset),
        };
        let own_dataset = dataset.is_some();
        if let Some(service) = find_service(pattern) {
            return Err(SparqlError::ServiceRefused(service));
        }
        let iri = |parameter: &'static str, value: &str| {
            NamedNode::new(value.trim()).map_err(|e| SparqlError::BadGraph {
                parameter,
                value: value.to_owned(),
                reason: e.to_string(),
            })
        };
        let default_graphs = if request.default_graphs.is_empty() {
            None
        } else {
            Some(
                request
                    .default_graphs
                    .iter()
                    .map(|g| iri("default-graph-uri", g).map(GraphName::from))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        let named_graphs = if request.named_graphs.is_empty() {
            None
        } else {
            Some(
                request
                    .named_graphs
                    .iter()
                    .map(|g| iri("named-graph-uri", g).map(NamedOrBlankNode::from))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        Ok(Self {
            query,
            form,
            own_dataset,
            default_graphs,
            named_graphs,
        })
    }

    /// The query form.
    pub fn form(&self) -> QueryForm {
        self.form
    }

    /// Prepares the query for evaluation with `evaluator`. The dataset is, in order of precedence:
    /// the protocol's graph parameters; the query's `FROM`/`FROM NAMED`; otherwise the default graph is
    /// the union of all graphs and every named graph is available.
    pub fn prepare(self, evaluator: SparqlEvaluator) -> PreparedSparqlQuery {
        let protocol_dataset = self.default_graphs.is_some() || self.named_graphs.is_some();
        let mut prepared = evaluator.for_query(self.query);
        let dataset = prepared.dataset_mut();
        if protocol_dataset {
            // §2.1.4: protocol parameters override the query's dataset description entirely.
            match self.default_graphs {
                Some(graphs) => dataset.set_default_graph(graphs),
                None => dataset.set_default_graph(Vec::new()),
            }
            dataset.set_available_named_graphs(self.named_graphs.unwrap_or_default());
        } else if !self.own_dataset {
            dataset.set_default_graph_as_union();
        }
        prepared
    }
}

/// The first `SERVICE` target in a pattern, anywhere (also inside `EXISTS` filters).
fn find_service(pattern: &GraphPattern) -> Option<String> {
    match pattern {
        GraphPattern::Service { name, .. } => Some(name.to_string()),
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => None,
        GraphPattern::Join { left, right }
        | GraphPattern::Lateral { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => find_service(left).or_else(|| find_service(right)),
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => find_service(left)
            .or_else(|| find_service(right))
            .or_else(|| expression.as_ref().and_then(find_service_in_expression)),
        GraphPattern::Filter { expr, inner } => {
            find_service_in_expression(expr).or_else(|| find_service(inner))
        }
        GraphPattern::Extend {
            inner, expression, ..
        } => find_service(inner).or_else(|| find_service_in_expression(expression)),
        GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Group { inner, .. } => find_service(inner),
    }
}

fn find_service_in_expression(expression: &Expression) -> Option<String> {
    match expression {
        Expression::Exists(pattern) => find_service(pattern),
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => {
            find_service_in_expression(a).or_else(|| find_service_in_expression(b))
        }
        Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
            find_service_in_expression(a)
        }
        Expression::If(a, b, c) => find_service_in_expression(a)
            .or_else(|| find_service_in_expression(b))
            .or_else(|| find_service_in_expression(c)),
        Expression::In(a, list) => find_service_in_expression(a)
            .or_else(|| list.iter().find_map(find_service_in_expression)),
        Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
            list.iter().find_map(find_service_in_expression)
        }
        Expression::NamedNode(_)
        | Expression::Literal(_)
        | Expression::Variable(_)
        | Expression::Bound(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<CheckedQuery, SparqlError> {
        CheckedQuery::parse(
            &QueryRequest {
                query: query.into(),
                ..QueryRequest::default()
            },
            "http://odcat.test",
        )
    }

    #[test]
    fn query_forms_are_recognised() {
        let form = |q| parse(q).map(|c| c.form()).ok();
        assert_eq!(form("SELECT * { ?s ?p ?o }"), Some(QueryForm::Select));
        assert_eq!(form("ASK { ?s ?p ?o }"), Some(QueryForm::Ask));
        assert_eq!(form("CONSTRUCT WHERE { ?s ?p ?o }"), Some(QueryForm::Graph));
        assert_eq!(form("DESCRIBE <http://x>"), Some(QueryForm::Graph));
    }

    #[test]
    fn updates_are_refused_and_syntax_errors_keep_the_parser_message() {
        assert!(matches!(
            parse("INSERT DATA { <http://a> <http://b> <http://c> }"),
            Err(SparqlError::UpdateRefused)
        ));
        assert!(matches!(parse("DROP ALL"), Err(SparqlError::UpdateRefused)));
        match parse("SELECT * WHERE { ?s ?p }") {
            Err(SparqlError::Syntax(message)) => assert!(message.contains("error"), "{message}"),
            _ => panic!("a syntax error"),
        }
    }

    #[test]
    fn service_is_refused_wherever_it_hides() {
        for query in [
            "SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
            "SELECT * { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://evil.example/sparql> { ?s ?p ?x } } }",
            "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://evil.example/sparql> { ?s ?p ?x } } }",
            "SELECT * { { SELECT ?s { SERVICE <http://evil.example/sparql> { ?s ?p ?o } } LIMIT 1 } }",
            "ASK { GRAPH ?g { SERVICE <http://evil.example/sparql> { } } }",
        ] {
            assert!(
                matches!(parse(query), Err(SparqlError::ServiceRefused(ref s)) if s.contains("evil.example")),
                "{query}"
            );
        }
    }

    #[test]
    fn graph_parameters_must_be_iris() {
        let request = QueryRequest {
            query: "SELECT * { ?s ?p ?o }".into(),
            default_graphs: vec!["not an iri".into()],
            named_graphs: Vec::new(),
        };
        assert!(matches!(
            CheckedQuery::parse(&request, "http://odcat.test"),
            Err(SparqlError::BadGraph {
                parameter: "default-graph-uri",
                ..
            })
        ));
    }
}
