#include "policies/example_policy.h"

#include <cstdlib>

#include "policies/policy_file.h"

namespace prescale::policies {

std::string_view ExamplePolicyYaml() {
  return R"(prometheus:
  url: http://127.0.0.1:9090
  timeout: 10s
refresh: 5s
policies:
  - name: order_flow_rate              # served as order_flow_rate and order_flow_rate_forecast
    query: sum by (venue) (rate(orders_received_total[1m]))
    step: 15s
    history: 7d
    lead: 60s
    quantile: 0.9
    model: auto
    seasonality: [1d, 1w]
    max_staleness: 10m
    scale_down_hold: 5m
    events:
      - name: us_equities_open
        schedule: "30 9 * * 1-5"       # cron: minute hour day-of-month month day-of-week
        timezone: America/New_York
      - name: us_equities_close
        schedule: "0 16 * * 1-5"
        timezone: America/New_York
    metrics:
      observed: order_flow_rate
      forecast: order_flow_rate_forecast
    backtest:                          # the deployment this policy scales, for backtests
      min_replicas: 5
      max_replicas: 50
      pod_startup: 30s
      behavior:                        # autoscaling/v2 HPA behavior, same schema
        scaleUp:
          stabilizationWindowSeconds: 0
          policies: [{type: Pods, value: 45, periodSeconds: 15}]
        scaleDown:
          stabilizationWindowSeconds: 300
          policies: [{type: Percent, value: 10, periodSeconds: 60}]
)";
}

Policy DefaultBacktestPolicy() {
  LoadResult loaded = ParseConfig(ExamplePolicyYaml(), "<example>");
  // The embedded example is checked by tests; failing here is a build defect.
  if (!loaded.config) std::abort();
  Policy p = loaded.config->policies.front();
  p.events.clear();
  return p;
}

}  // namespace prescale::policies
