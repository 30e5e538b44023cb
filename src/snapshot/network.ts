/** Services (ports, endpoints) and NetworkPolicies, as the rules that judge the path between app and collector read them. */
import type { SourceLocation } from './pod.ts';

export interface ServicePortInfo {
  name?: string;
  port: number;
  /** number or named port, as written; undefined means same as port */
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
  appProtocol?: string;
}

export interface EndpointAddress {
  ip: string;
  ready: boolean;
  pod?: string;
  node?: string;
  /** the address's own DNS label (a StatefulSet pod's hostname under its headless Service), when set */
  hostname?: string;
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string; // ClusterIP | NodePort | LoadBalancer | ExternalName
  clusterIP?: string | null; // 'None' for headless
  /** spec.clusterIPs: one per family, the primary first (dual-stack Services have two) */
  clusterIPs?: string[];
  /** spec.ipFamilies as written or defaulted by the API server (`IPv4`, `IPv6`), the primary first */
  ipFamilies?: string[];
  /** spec.ipFamilyPolicy: SingleStack | PreferDualStack | RequireDualStack */
  ipFamilyPolicy?: string;
  ports: ServicePortInfo[];
  selector?: Record<string, string> | null;
  internalTrafficPolicy?: 'Cluster' | 'Local' | string;
  externalName?: string;
  /** collector pods ("namespace/pod") the selector matches */
  matchedCollectorPods: string[];
  /** lint only: how many pods (pod templates) of the linted files the selector matches, collectors or not */
  matchedPodsInFiles?: number;
  /** from Endpoints/EndpointSlices; undefined when not listed */
  endpoints?: { ready: EndpointAddress[]; notReady: EndpointAddress[]; ports?: { name?: string; port: number }[] };
  labels?: Record<string, string>;
  location?: SourceLocation;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface NetworkPolicyInfo {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  policyTypes: string[];
  /** undefined: no ingress section; [] : deny all ingress */
  ingress?: { from?: NetworkPolicyPeer[]; ports?: { port?: number | string; protocol?: string; endPort?: number }[] }[];
  /** undefined: no egress section; [] : deny all egress (when policyTypes holds Egress) */
  egress?: { to?: NetworkPolicyPeer[]; ports?: { port?: number | string; protocol?: string; endPort?: number }[] }[];
  /** namespace labels of every namespace known, so namespaceSelector can be evaluated */
  location?: SourceLocation;
}
