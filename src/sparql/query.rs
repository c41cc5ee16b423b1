//! Reading a SPARQL 1.1 Protocol query operation: the query text is parsed with Oxigraph's parser
//! (spargebra), updates and `SERVICE` are refused before anything is evaluated, and the protocol's
//! `default-graph-uri` / `named-graph-uri` parameters replace the query's own dataset (SPARQL 1.1
//! Protocol §2.1.4).

use oxigraph::model::Literal;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::{PreparedSparqlQuery, SparqlEvaluator};
use spargebra::algebra::{
    AggregateExpression, Expression, Function, GraphPattern, OrderExpression,
};
use spargebra::term::NamedNodePattern;
use spargebra::{Query, SparqlParser};

use super::{SparqlError, guard};
use crate::rdf::store::POSITION_PREFIX;

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
    /// Whether Oxigraph's optimiser plans it (see [`guard::MAX_PLANNED_JOINS`]).
    optimize: bool,
    default_graphs: Option<Vec<GraphName>>,
    named_graphs: Option<Vec<NamedOrBlankNode>>,
}

impl CheckedQuery {
    /// Parses and checks a request.
    ///
    /// Blocks, and recurses as deep as the query nests: run it on a thread with a stack of
    /// [`guard::STACK_BYTES`] (as [`super::SparqlService::check`] does). The text is scanned for
    /// nesting first ([`guard::scan`]), and the parsed algebra's depth is bounded
    /// ([`guard::check_depth`]), so no query can overflow that stack in any later stage.
    pub fn parse(request: &QueryRequest, base: &str) -> Result<Self, SparqlError> {
        guard::scan(&request.query).map_err(SparqlError::TooComplex)?;
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
        guard::check_depth(&query).map_err(SparqlError::TooComplex)?;
        let optimize = guard::joins(&query) <= guard::MAX_PLANNED_JOINS;
        let mut query = query;
        let (form, pattern, dataset) = match &mut query {
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
        if let Some(service) = guard::find_service(pattern) {
            return Err(SparqlError::ServiceRefused(service));
        }
        hide_bookkeeping(pattern);
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
            optimize,
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
        let evaluator = if self.optimize {
            evaluator
        } else {
            evaluator.without_optimizations()
        };
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

/// Keeps the projector's bookkeeping graph (an empty named graph, see
/// [`crate::rdf::store::POSITION_PREFIX`]) out of every `GRAPH ?g` pattern: each gets the filter
/// `!STRSTARTS(STR(?g), "urn:odcat:projection?")`. Recursive; the depth was bounded before.
fn hide_bookkeeping(pattern: &mut GraphPattern) {
    match pattern {
        GraphPattern::Graph { name, inner } => {
            hide_bookkeeping(inner);
            if let NamedNodePattern::Variable(variable) = name {
                let filter = Expression::Not(Box::new(Expression::FunctionCall(
                    Function::StrStarts,
                    vec![
                        Expression::FunctionCall(
                            Function::Str,
                            vec![Expression::Variable(variable.clone())],
                        ),
                        Expression::Literal(Literal::new_simple_literal(POSITION_PREFIX)),
                    ],
                )));
                let graph = std::mem::take(pattern);
                *pattern = GraphPattern::Filter {
                    expr: filter,
                    inner: Box::new(graph),
                };
            }
        }
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => {}
        GraphPattern::Join { left, right }
        | GraphPattern::Lateral { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            hide_bookkeeping(left);
            hide_bookkeeping(right);
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            hide_bookkeeping(left);
            hide_bookkeeping(right);
            if let Some(expression) = expression {
                hide_in_expression(expression);
            }
        }
        GraphPattern::Filter { expr, inner } => {
            hide_in_expression(expr);
            hide_bookkeeping(inner);
        }
        GraphPattern::Extend {
            inner, expression, ..
        } => {
            hide_in_expression(expression);
            hide_bookkeeping(inner);
        }
        GraphPattern::OrderBy { inner, expression } => {
            for order in expression {
                let (OrderExpression::Asc(e) | OrderExpression::Desc(e)) = order;
                hide_in_expression(e);
            }
            hide_bookkeeping(inner);
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => {
            for (_, aggregate) in aggregates {
                if let AggregateExpression::FunctionCall { expr, .. } = aggregate {
                    hide_in_expression(expr);
                }
            }
            hide_bookkeeping(inner);
        }
        GraphPattern::Service { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. } => hide_bookkeeping(inner),
    }
}

fn hide_in_expression(expression: &mut Expression) {
    guard::for_each_operand!(
        expression,
        |operand| hide_in_expression(operand),
        |pattern| hide_bookkeeping(pattern)
    )
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
            "SELECT * { ?s ?p ?o } ORDER BY (EXISTS { SERVICE <http://evil.example/sparql> { ?s ?p ?x } })",
            "SELECT (SUM(IF(EXISTS { SERVICE <http://evil.example/sparql> { ?s ?p ?x } }, 1, 0)) AS ?n) { ?s ?p ?o }",
            "SELECT ?s { ?s ?p ?o } GROUP BY ?s HAVING (EXISTS { SERVICE <http://evil.example/sparql> { } })",
            "SELECT ?s (EXISTS { SERVICE <http://evil.example/sparql> { } } AS ?x) { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o FILTER(COALESCE(1, EXISTS { SERVICE <http://evil.example/sparql> { } })) }",
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
