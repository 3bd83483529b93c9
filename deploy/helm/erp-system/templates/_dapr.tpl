{{/* Dapr components: shared metadata and scopes. */}}

{{/* Connection metadata shared by the Dapr Redis components (password by secretKeyRef). */}}
{{- define "erp.dapr.redisMetadata" -}}
- name: redisHost
  value: {{ printf "%s:%s" (include "erp.redis.host" .) (include "erp.redis.port" .) }}
- name: redisPassword
  secretKeyRef:
    name: {{ include "erp.secretName" . }}
    key: redis-password
- name: redisDB
  value: {{ include "erp.redis.database" . | quote }}
- name: enableTLS
  value: {{ and (not .Values.redis.enabled) .Values.externalRedis.tls | quote }}
{{- end -}}

{{/* Dapr app ids allowed to use a component: one per enabled service. */}}
{{- define "erp.dapr.scopes" -}}
{{- range $name := include "erp.serviceNames" . | fromJsonArray }}
- {{ include "erp.componentName" (list $ $name) }}
{{- end }}
{{- end -}}
