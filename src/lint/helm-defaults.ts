/**
 * Defaults of the upstream `opentelemetry-collector` Helm chart that decide reachability, copied as data
 * from charts/opentelemetry-collector/values.yaml of open-telemetry/opentelemetry-helm-charts at commit
 * dd5665c06f376c00a5e2147aa84b70c3d105ecfb (chart 0.170.0, appVersion 0.158.0). A values file is merged
 * over these the way Helm merges values (maps deep, everything else replaced; `null` deletes a key).
 * Refresh by copying the same keys from a newer chart; nothing else in the chart is modelled.
 */
export const CHART_VERSION = '0.170.0';
export const CHART_APP_VERSION = '0.158.0';
/** The image the chart's rendered examples use when `image.repository` is set to the k8s distribution. */
export const CHART_DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s';

/**
 * The chart's top-level value keys: values.schema.json at the same commit has `additionalProperties: false`
 * at the top, so a map with any other key is not values of this chart (another chart's values, a compose
 * file, a CI config).
 */
export const CHART_VALUE_KEYS: ReadonlySet<string> = new Set(['additionalLabels', 'affinity', 'alternateConfig', 'annotations', 'apiVersion', 'autoscaling', 'clusterRole', 'command', 'config', 'configMap', 'dnsConfig', 'dnsPolicy', 'enableConfigChecksumAnnotation', 'enabled', 'extraContainers', 'extraEnvs', 'extraEnvsFrom', 'extraManifests', 'extraVolumeMounts', 'extraVolumes', 'fullnameOverride', 'global', 'hostAliases', 'hostNetwork', 'hostPID', 'httproute', 'image', 'imagePullSecrets', 'ingress', 'initContainers', 'internalTelemetryViaOTLP', 'lifecycleHooks', 'livenessProbe', 'mode', 'nameOverride', 'namespaceOverride', 'networkPolicy', 'nodeSelector', 'podAnnotations', 'podDisruptionBudget', 'podLabels', 'podMonitor', 'podSecurityContext', 'ports', 'presets', 'priorityClassName', 'prometheusRule', 'readinessProbe', 'replicaCount', 'resizePolicy', 'resources', 'revisionHistoryLimit', 'rewriteDeprecatedComponentNames', 'rollout', 'runtimeClassName', 'schedulerName', 'securityContext', 'service', 'serviceAccount', 'serviceMonitor', 'shareProcessNamespace', 'startupProbe', 'statefulset', 'terminationGracePeriodSeconds', 'tolerations', 'topologySpreadConstraints', 'useGOMEMLIMIT']);
/** Keys only this chart's values have (a `config` map or `mode` alone could be anything's). */
export const CHART_DISTINCT_KEYS: readonly string[] = ['mode', 'alternateConfig', 'presets', 'internalTelemetryViaOTLP', 'rewriteDeprecatedComponentNames', 'useGOMEMLIMIT', 'enableConfigChecksumAnnotation'];

export const CHART_DEFAULTS: Record<string, any> = 
{
  "config": {
    "exporters": {
      "debug": {}
    },
    "extensions": {
      "health_check": {
        "endpoint": "${env:MY_POD_IP}:13133"
      }
    },
    "processors": {
      "batch": {},
      "memory_limiter": {
        "check_interval": "5s",
        "limit_percentage": 80,
        "spike_limit_percentage": 25
      }
    },
    "receivers": {
      "jaeger": {
        "protocols": {
          "grpc": {
            "endpoint": "${env:MY_POD_IP}:14250"
          },
          "thrift_http": {
            "endpoint": "${env:MY_POD_IP}:14268"
          },
          "thrift_compact": {
            "endpoint": "${env:MY_POD_IP}:6831"
          }
        }
      },
      "otlp": {
        "protocols": {
          "grpc": {
            "endpoint": "${env:MY_POD_IP}:4317"
          },
          "http": {
            "endpoint": "${env:MY_POD_IP}:4318"
          }
        }
      },
      "prometheus": {
        "config": {
          "scrape_configs": [
            {
              "job_name": "opentelemetry-collector",
              "scrape_interval": "10s",
              "static_configs": [
                {
                  "targets": [
                    "${env:MY_POD_IP}:8888"
                  ]
                }
              ]
            }
          ]
        }
      },
      "zipkin": {
        "endpoint": "${env:MY_POD_IP}:9411"
      }
    },
    "service": {
      "telemetry": {
        "resource": {
          "k8s.namespace.name": "${env:OTEL_K8S_NAMESPACE}",
          "k8s.node.name": "${env:OTEL_K8S_NODE_NAME}",
          "k8s.node.ip": "${env:OTEL_K8S_NODE_IP}",
          "k8s.pod.name": "${env:OTEL_K8S_POD_NAME}",
          "k8s.pod.ip": "${env:OTEL_K8S_POD_IP}",
          "host.name": "${env:OTEL_K8S_NODE_NAME}"
        },
        "metrics": {
          "readers": [
            {
              "pull": {
                "exporter": {
                  "prometheus": {
                    "host": "${env:MY_POD_IP}",
                    "port": 8888
                  }
                }
              }
            }
          ]
        }
      },
      "extensions": [
        "health_check"
      ],
      "pipelines": {
        "logs": {
          "exporters": [
            "debug"
          ],
          "processors": [
            "memory_limiter",
            "batch"
          ],
          "receivers": [
            "otlp"
          ]
        },
        "metrics": {
          "exporters": [
            "debug"
          ],
          "processors": [
            "memory_limiter",
            "batch"
          ],
          "receivers": [
            "otlp",
            "prometheus"
          ]
        },
        "traces": {
          "exporters": [
            "debug"
          ],
          "processors": [
            "memory_limiter",
            "batch"
          ],
          "receivers": [
            "otlp",
            "jaeger",
            "zipkin"
          ]
        }
      }
    }
  },
  "image": {
    "repository": "",
    "pullPolicy": "IfNotPresent",
    "tag": "",
    "digest": ""
  },
  "command": {
    "name": "",
    "extraArgs": []
  },
  "ports": {
    "otlp": {
      "enabled": true,
      "containerPort": 4317,
      "servicePort": 4317,
      "hostPort": 4317,
      "protocol": "TCP",
      "appProtocol": "grpc"
    },
    "otlp-http": {
      "enabled": true,
      "containerPort": 4318,
      "servicePort": 4318,
      "hostPort": 4318,
      "protocol": "TCP"
    },
    "jaeger-compact": {
      "enabled": true,
      "containerPort": 6831,
      "servicePort": 6831,
      "hostPort": 6831,
      "protocol": "UDP"
    },
    "jaeger-thrift": {
      "enabled": true,
      "containerPort": 14268,
      "servicePort": 14268,
      "hostPort": 14268,
      "protocol": "TCP"
    },
    "jaeger-grpc": {
      "enabled": true,
      "containerPort": 14250,
      "servicePort": 14250,
      "hostPort": 14250,
      "protocol": "TCP"
    },
    "zipkin": {
      "enabled": true,
      "containerPort": 9411,
      "servicePort": 9411,
      "hostPort": 9411,
      "protocol": "TCP"
    },
    "metrics": {
      "enabled": false,
      "containerPort": 8888,
      "servicePort": 8888,
      "protocol": "TCP"
    }
  },
  "livenessProbe": {
    "httpGet": {
      "port": 13133,
      "path": "/"
    }
  },
  "readinessProbe": {
    "httpGet": {
      "port": 13133,
      "path": "/"
    }
  },
  "service": {
    "type": "ClusterIP",
    "annotations": {}
  },
  "extraEnvs": []
};
