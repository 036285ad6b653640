#!/usr/bin/env python3
"""Writes custom_v2.json and custom_v3_{v1beta2,v1beta1}.json: the OpenAPI of custom.metrics.k8s.io
that prescale serves (k8s.io/metrics pkg/apis/custom_metrics types, custom-metrics-apiserver routes).
The shared apimachinery schemas are copied from v3.json. Run after changing either:
    apiserver/openapi/gen-custom-openapi.py .   (from the repository root)
"""
import json
import sys
root = sys.argv[1]
ext3 = json.load(open(f"{root}/apiserver/openapi/v3.json"))
common = {k: v for k, v in ext3["components"]["schemas"].items() if "apimachinery" in k}

def object_reference():
    return {"description": "ObjectReference contains enough information to let you inspect or modify the referred object.",
            "type": "object",
            "properties": {k: {"type": "string"} for k in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"]}}

def label_selector():
    return {"description": "A label selector is a label query over a set of resources.",
            "type": "object",
            "properties": {
                "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
                "matchExpressions": {"type": "array", "items": {
                    "type": "object", "required": ["key", "operator"],
                    "properties": {"key": {"type": "string"}, "operator": {"type": "string"},
                                   "values": {"type": "array", "items": {"type": "string"}}}}}}}

def schemas(version, ref):
    pkg = f"io.k8s.metrics.pkg.apis.custom_metrics.{version}"
    value = {"description": "MetricValue is the metric value for some object",
             "type": "object", "properties": {}}
    p = value["properties"]
    p["describedObject"] = {"$ref": ref("io.k8s.api.core.v1.ObjectReference")}
    if version == "v1beta2":
        value["required"] = ["describedObject", "metric", "timestamp", "value"]
        p["metric"] = {"$ref": ref(f"{pkg}.MetricIdentifier")}
        p["timestamp"] = {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.Time")}
        p["windowSeconds"] = {"type": "integer", "format": "int64"}
        p["value"] = {"$ref": ref("io.k8s.apimachinery.pkg.api.resource.Quantity")}
    else:
        value["required"] = ["describedObject", "metricName", "timestamp", "value", "selector"]
        p["metricName"] = {"type": "string"}
        p["timestamp"] = {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.Time")}
        p["window"] = {"type": "integer", "format": "int64"}
        p["value"] = {"$ref": ref("io.k8s.apimachinery.pkg.api.resource.Quantity")}
        p["selector"] = {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")}
    out = {
        f"{pkg}.MetricValueList": {
            "description": "MetricValueList is a list of values for a given metric for some set of objects",
            "type": "object", "required": ["items"],
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "metadata": {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")},
                           "items": {"type": "array", "items": {"$ref": ref(f"{pkg}.MetricValue")}}},
            "x-kubernetes-group-version-kind": [{"group": "custom.metrics.k8s.io", "kind": "MetricValueList", "version": version}]},
        f"{pkg}.MetricValue": value,
        "io.k8s.api.core.v1.ObjectReference": object_reference(),
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector": label_selector(),
    }
    if version == "v1beta2":
        out[f"{pkg}.MetricIdentifier"] = {
            "description": "MetricIdentifier identifies a metric by name and, optionally, selector",
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"},
                           "selector": {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")}}}
    return out

def status(ref, v3, what):
    r = {"description": what}
    if v3:
        r["content"] = {"application/json": {"schema": {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.Status")}}}
    else:
        r["schema"] = {"$ref": ref("io.k8s.apimachinery.pkg.apis.meta.v1.Status")}
    return r

def ok(ref, v3, name):
    if v3:
        return {"description": "OK", "content": {"application/json": {"schema": {"$ref": ref(name)}}}}
    return {"description": "OK", "schema": {"$ref": ref(name)}}

def param(name, where, desc, v3, required=True):
    p = {"name": name, "in": where, "description": desc}
    if v3:
        p["schema"] = {"type": "string", "uniqueItems": True}
    else:
        p["type"] = "string"
        p["uniqueItems"] = True
    if required:
        p["required"] = True
    return p

def paths(version, ref, v3):
    base = f"/apis/custom.metrics.k8s.io/{version}"
    tag = f"customMetrics_{version}"
    V = version[0].upper() + version[1:]
    pkg = f"io.k8s.metrics.pkg.apis.custom_metrics.{version}"
    errors = {"400": status(ref, v3, "malformed labelSelector or metricLabelSelector"),
              "401": {"description": "Unauthorized"},
              "403": status(ref, v3, "Forbidden"),
              "404": status(ref, v3, "unknown metric, resource or object"),
              "503": status(ref, v3, "data older than the policy's max_staleness, or not ready")}
    sel = [param("labelSelector", "query", "With the name *: restricts the objects by the labels of their series. Defaults to everything.", v3, False),
           param("metricLabelSelector", "query", "Restricts the series that count towards each object's value by their labels.", v3, False)]
    ns = param("namespace", "path", "object name and auth scope, such as for teams and projects", v3)
    res = param("resource", "path", "the described objects' resource with its group, e.g. deployments.apps or pods", v3)
    name = param("name", "path", "name of the described object, or * for every object matching labelSelector", v3)
    metric = param("metric", "path", "name of the metric: <policy> (observed) or <policy>_forecast", v3)
    def op(opid, desc, params):
        o = {"tags": [tag], "description": desc, "operationId": opid,
             "responses": dict({"200": ok(ref, v3, f"{pkg}.MetricValueList")}, **errors)}
        if not v3:
            o["produces"] = ["application/json"]
            o["schemes"] = ["https"]
        return {"get": o, "parameters": params}
    out = {
        base + "/": {"get": dict({"tags": [tag], "description": "get available resources (one per resource/metric pair)",
                                   "operationId": f"getCustomMetrics{V}APIResources",
                                   "responses": {"200": ok(ref, v3, "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList"),
                                                 "401": {"description": "Unauthorized"}}},
                                  **({} if v3 else {"produces": ["application/json"], "schemes": ["https"]}))},
        base + "/namespaces/{namespace}/{resource}/{name}/{metric}": op(
            f"listCustomMetrics{V}NamespacedMetricValue", "list custom metrics describing a namespaced object or objects", [ns, res, name, metric] + sel),
        base + "/{resource}/{name}/{metric}": op(
            f"listCustomMetrics{V}MetricValue", "list custom metrics describing a cluster-scoped object or objects", [res, name, metric] + sel),
        base + "/namespaces/{namespace}/metrics/{metric}": op(
            f"readCustomMetrics{V}MetricValueForNamespace", "read a custom metric describing a namespace", [ns, metric] + sel[1:]),
    }
    return out

# v2: one document fragment (paths + definitions) for both versions
ref2 = lambda n: "#/definitions/" + n
v2 = {"paths": {}, "definitions": {}}
for version in ["v1beta2", "v1beta1"]:
    v2["paths"].update(paths(version, ref2, False))
    v2["definitions"].update(schemas(version, ref2))
json.dump(v2, open(f"{root}/apiserver/openapi/custom_v2.json", "w"), indent=1)
# v3: one document per group-version
ref3 = lambda n: "#/components/schemas/" + n
for version in ["v1beta2", "v1beta1"]:
    doc = {"openapi": "3.0.0", "info": {"title": "prescale custom metrics API", "version": version},
           "paths": paths(version, ref3, True),
           "components": {"schemas": dict(schemas(version, ref3), **{k: v for k, v in common.items()})}}
    json.dump(doc, open(f"{root}/apiserver/openapi/custom_v3_{version}.json", "w"), indent=1)
