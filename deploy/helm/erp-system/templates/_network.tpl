{{/* Service addresses and NetworkPolicy rules. */}}

{{/* In-release address of a service, http://<name>.<namespace>.svc.<clusterDomain>:<service.port>: include "erp.serviceURL" (list $ "gateway"). */}}
{{- define "erp.serviceURL" -}}
{{- $root := index . 0 -}}
{{- $cfg := include "erp.settings" (list $root (index . 1)) | fromYaml -}}
{{- printf "http://%s.%s.svc.%s:%d" (include "erp.componentName" (list $root (index . 1))) (include "erp.namespace" $root) $root.Values.clusterDomain (int $cfg.service.port) -}}
{{- end -}}

{{/* Egress rule to the cluster DNS (UDP and TCP 53). */}}
{{- define "erp.egress.dns" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* Egress rule to PostgreSQL: the in-chart pod, or the external addresses. */}}
{{- define "erp.egress.postgres" -}}
{{- include "erp.egress.store" (list . "postgresql" .Values.postgresql.enabled (include "erp.postgres.port" .)) -}}
{{- end -}}

{{/* Egress rule to Redis: the in-chart pod, or the external addresses. */}}
{{- define "erp.egress.redis" -}}
{{- include "erp.egress.store" (list . "redis" .Values.redis.enabled (include "erp.redis.port" .)) -}}
{{- end -}}

{{/* Egress rule to one store on its port: the in-chart pod, or externalDatabaseCidrs: include "erp.egress.store" (list $ component inChart port). */}}
{{- define "erp.egress.store" -}}
{{- $root := index . 0 -}}
{{- $cidrs := $root.Values.networkPolicy.externalDatabaseCidrs -}}
- ports:
    - port: {{ index . 3 }}
      protocol: TCP
  {{- if index . 2 }}
  to:
    - podSelector:
        matchLabels:
          {{- include "erp.selectorLabels" (list $root (index . 1)) | nindent 10 }}
  {{- else if $cidrs }}
  to:
    {{- range $cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  {{- end }}
{{- end -}}
