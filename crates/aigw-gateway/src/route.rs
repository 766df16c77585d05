//! Model name → the ordered upstream targets that may serve it.

use crate::config::RouteConfig;
use crate::upstream::Provider;
use aigw_governance::Scope;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One upstream a request may go to: a provider and the model name it is given.
#[derive(Clone, Debug)]
pub struct Target {
    pub provider: Arc<Provider>,
    pub model: String,
}

#[derive(Debug)]
enum Match {
    Exact(Vec<String>),
    Prefix(String),
}

#[derive(Debug)]
struct Route {
    matches: Match,
    /// (provider, model); model `*` = the requested name.
    targets: Vec<(Arc<Provider>, String)>,
    /// The route's own limits, counted under `route:<name>`.
    limits: Option<Scope>,
}

/// The routing table.
#[derive(Debug)]
pub struct Routes {
    routes: Vec<Route>,
    providers: BTreeMap<String, Arc<Provider>>,
}

impl Routes {
    pub fn new(
        configs: &[RouteConfig],
        providers: &BTreeMap<String, Arc<Provider>>,
    ) -> Result<Routes, String> {
        let mut routes = Vec::new();
        for (i, config) in configs.iter().enumerate() {
            let (what, matches) = match (&config.model, &config.prefix) {
                (Some(model), None) => {
                    let mut names = vec![model.clone()];
                    names.extend(config.aliases.iter().cloned());
                    (format!("route {model:?}"), Match::Exact(names))
                }
                (None, Some(prefix)) => (
                    format!("route prefix {prefix:?}"),
                    Match::Prefix(prefix.clone()),
                ),
                _ => {
                    return Err(format!(
                        "routes[{i}]: give exactly one of `model` or `prefix`"
                    ));
                }
            };
            if config.prefix.is_some() && !config.aliases.is_empty() {
                return Err(format!("{what}: `aliases` go with `model`, not `prefix`"));
            }
            if config.targets.is_empty() {
                return Err(format!("{what}: `targets` is empty"));
            }
            let mut targets = Vec::new();
            for target in &config.targets {
                let (provider, model) = target
                    .split_once('/')
                    .ok_or_else(|| format!("{what}: target {target:?} is not `provider/model`"))?;
                let provider = providers.get(provider).ok_or_else(|| {
                    format!("{what}: target {target:?} names no configured provider")
                })?;
                if model.is_empty() {
                    return Err(format!("{what}: target {target:?} has no model"));
                }
                targets.push((provider.clone(), model.to_owned()));
            }
            let limits = match &config.limits {
                Some(limits) => {
                    limits.validate().map_err(|e| format!("{what}: {e}"))?;
                    let name = config
                        .model
                        .clone()
                        .or_else(|| config.prefix.as_ref().map(|p| format!("{p}*")))
                        .unwrap_or_default();
                    Some(Scope {
                        name: format!("route:{name}"),
                        limits: limits.clone(),
                        budget: None,
                    })
                }
                None => None,
            };
            routes.push(Route {
                matches,
                targets,
                limits,
            });
        }
        Ok(Routes {
            routes,
            providers: providers.clone(),
        })
    }

    /// The targets for `model`, in fallback order: the first route whose name, alias or
    /// prefix matches; else `provider/model` for a configured provider. Empty: no route.
    pub fn resolve(&self, model: &str) -> Vec<Target> {
        if let Some(route) = self.route(model) {
            return route
                .targets
                .iter()
                .map(|(provider, target)| Target {
                    provider: provider.clone(),
                    model: if target == "*" {
                        model.to_owned()
                    } else {
                        target.clone()
                    },
                })
                .collect();
        }
        if let Some((name, rest)) = model.split_once('/')
            && let Some(provider) = self.providers.get(name)
            && !rest.is_empty()
        {
            return vec![Target {
                provider: provider.clone(),
                model: rest.to_owned(),
            }];
        }
        Vec::new()
    }

    fn route(&self, model: &str) -> Option<&Route> {
        self.routes.iter().find(|route| match &route.matches {
            Match::Exact(names) => names.iter().any(|n| n == model),
            Match::Prefix(prefix) => model.starts_with(prefix.as_str()),
        })
    }

    /// The limits of the route `model` takes, if it has any.
    pub fn limits(&self, model: &str) -> Option<&Scope> {
        self.route(model)?.limits.as_ref()
    }

    /// The model names clients can use, with the provider of each one's first target:
    /// exact names and aliases (prefix routes and `provider/model` are open-ended).
    pub fn models(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for route in &self.routes {
            if let Match::Exact(names) = &route.matches {
                let owner = route
                    .targets
                    .first()
                    .map(|(p, _)| p.name.clone())
                    .unwrap_or_default();
                out.extend(names.iter().map(|n| (n.clone(), owner.clone())));
            }
        }
        out
    }
}
