// The objects a cluster has before any manifest: the Node objects the kubelets register, and the add-ons
// every real cluster has (the `kubernetes` Service with its endpoints, CoreDNS behind `kube-dns`).
import { randomBytes } from 'node:crypto';
import { release } from 'node:os';
import type { KObject } from './store.ts';
import { RANGES, familiesOf, nodeIP, nodePodCIDR, type IpFamily } from './ip-family.ts';

/**
 * A Node as a kubelet registers it: node N is `172.18.0.(N+1)` with pod CIDR `10.244.N.0/24`, and in an
 * IPv6 or dual cluster also (or only) fc00:f853:ccd:e793::(N+1) and fd00:10:244:N::/64 (ip-family.ts),
 * primary family first as the node IPAM controller and the kubelet's --node-ip list them.
 */
export function nodeObject(name: string, index: number, ipFamily: IpFamily = 'ipv4'): KObject {
  const families = familiesOf(ipFamily);
  const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: ts, lastTransitionTime: ts, reason, message });
  const resources = { cpu: '4', memory: '8148524Ki', pods: '110', 'ephemeral-storage': '61202244Ki', 'hugepages-2Mi': '0' };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      labels: { 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: nodePodCIDR(families[0], index), podCIDRs: families.map((f) => nodePodCIDR(f, index)) },
    status: {
      addresses: [...families.map((f) => ({ type: 'InternalIP', address: nodeIP(f, index) })), { type: 'Hostname', address: name }],
      allocatable: resources,
      capacity: resources,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64', bootID: randomBytes(16).toString('hex'), containerRuntimeVersion: 'containerd://1.7.24',
        kernelVersion: release(), kubeProxyVersion: 'v1.32.4', kubeletVersion: 'v1.32.4',
        machineID: randomBytes(16).toString('hex'), operatingSystem: 'linux', osImage: 'Debian GNU/Linux 12 (bookworm)', systemUUID: randomBytes(16).toString('hex'),
      },
    },
  };
}

/** The cluster add-ons every real cluster has: the `kubernetes` Service and CoreDNS behind `kube-dns`. */
export function systemObjects(ipFamily: IpFamily = 'ipv4'): KObject[] {
  const labels = { 'k8s-app': 'kube-dns' };
  // kubeadm's Services and the API server's own endpoint are single-stack, in the primary family.
  const primary = RANGES[familiesOf(ipFamily)[0]];
  return [
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: primary.kubernetesIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    },
    {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: primary.bridge }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: familiesOf(ipFamily)[0],
      endpoints: [{ addresses: [primary.bridge], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    },
    {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' },
      data: { Corefile: '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n' },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: 'default',
            containers: [{
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.11.3',
              args: ['-conf', '/etc/coredns/Corefile'],
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
              ],
              readinessProbe: { tcpSocket: { port: 53 }, periodSeconds: 2 },
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
            }],
            volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        clusterIP: primary.dnsIP, selector: labels,
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
      },
    },
  ];
}
