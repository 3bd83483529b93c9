{{/* Validation: checks the schema cannot express, collected and reported in one failure. */}}

{{/* Fails the render listing every invalid value (each message names the value to fix); called from NOTES.txt and configmap.yaml. */}}
{{- define "erp.validate" -}}
{{- $errors := list -}}
{{- $names := include "erp.serviceNames" . | fromJsonArray -}}
{{- $reserved := list "ERP_PORT" "ERP_DATABASE_URL" "ERP_REDIS_URL" "ERP_JWT_SECRET" "ERP_ADMIN_PASSWORD" "ERP_EVENT_TRANSPORT" "ERP_SHUTDOWN_DELAY_SECONDS" "ERP_DRAIN_TIMEOUT_SECONDS" -}}
{{- range $name := $names -}}
{{- $cfg := include "erp.settings" (list $ $name) | fromYaml -}}
{{- $key := printf "services.%s" $name -}}
{{- $sd := $cfg.shutdown -}}
{{- $needed := add (int $sd.preStopSleepSeconds) (int (ceil $sd.drainTimeoutSeconds)) (int $sd.marginSeconds) -}}
{{- if and (not (kindIs "invalid" $cfg.terminationGracePeriodSeconds)) (lt (int $cfg.terminationGracePeriodSeconds) $needed) -}}
{{- $errors = append $errors (printf "%s.terminationGracePeriodSeconds (%d) must be at least shutdown.preStopSleepSeconds (%d) + shutdown.drainTimeoutSeconds (%v) + shutdown.marginSeconds (%d) = %d; raise it or leave it null to compute it" $key (int $cfg.terminationGracePeriodSeconds) (int $sd.preStopSleepSeconds) $sd.drainTimeoutSeconds (int $sd.marginSeconds) $needed) -}}
{{- end -}}
{{- range $env, $_ := $cfg.env -}}
{{- if has $env $reserved -}}
{{- $errors = append $errors (printf "%s.env.%s is set by the chart itself and cannot be overridden" $key $env) -}}
{{- end -}}
{{- end -}}
{{- range $cfg.extraEnv -}}
{{- if has .name $reserved -}}
{{- $errors = append $errors (printf "%s.extraEnv (or defaults.extraEnv) sets %s, which the chart sets itself and cannot be overridden" $key .name) -}}
{{- end -}}
{{- end -}}
{{- /* One business day for the whole company: services on different zones would date the same document differently. */ -}}
{{- $zoned := hasKey (default dict $cfg.env) "ERP_COMPANY_TIMEZONE" -}}
{{- range $cfg.extraEnv -}}
{{- $zoned = or $zoned (eq .name "ERP_COMPANY_TIMEZONE") -}}
{{- end -}}
{{- if $zoned -}}
{{- $errors = append $errors (printf "%s sets ERP_COMPANY_TIMEZONE: the company's time zone is one for every service, set config.companyTimezone instead" $key) -}}
{{- end -}}
{{- range $caller := $cfg.allowFrom -}}
{{- if not (has $caller $names) -}}
{{- $errors = append $errors (printf "%s.allowFrom names %q, which is not an enabled service" $key $caller) -}}
{{- end -}}
{{- end -}}
{{- if and $cfg.autoscaling.enabled (gt (int $cfg.autoscaling.minReplicas) (int $cfg.autoscaling.maxReplicas)) -}}
{{- $errors = append $errors (printf "%s.autoscaling.minReplicas (%d) is greater than maxReplicas (%d)" $key (int $cfg.autoscaling.minReplicas) (int $cfg.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if and $cfg.autoscaling.enabled (not (or $cfg.autoscaling.targetCPUUtilizationPercentage $cfg.autoscaling.targetMemoryUtilizationPercentage $cfg.autoscaling.customMetrics)) -}}
{{- $errors = append $errors (printf "%s.autoscaling needs at least one of targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage or customMetrics" $key) -}}
{{- end -}}
{{- if eq $cfg.releaseStrategy "canary" -}}
{{- if not (or $cfg.canary.tag $cfg.canary.digest) -}}
{{- $errors = append $errors (printf "%s.canary.tag (or canary.digest) is required when releaseStrategy is canary" $key) -}}
{{- end -}}
{{- if and (eq $cfg.canary.routing "nginx") (not (and $.Values.ingress.enabled $cfg.ingressPaths)) -}}
{{- $errors = append $errors (printf "%s.canary.routing=nginx needs ingress.enabled and %s.ingressPaths; use routing=service for an internal service" $key $key) -}}
{{- end -}}
{{- if and (eq $cfg.canary.routing "httpRoute") (not (and $.Values.httpRoute.enabled $cfg.ingressPaths)) -}}
{{- $errors = append $errors (printf "%s.canary.routing=httpRoute needs httpRoute.enabled and %s.ingressPaths" $key $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $svc, $_ := .Values.secrets.databasePasswords -}}
{{- if not (has $svc $names) -}}
{{- $errors = append $errors (printf "secrets.databasePasswords.%s does not match an enabled service" $svc) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if not .Values.postgresql.enabled -}}
{{- if not .Values.externalDatabase.host -}}
{{- $errors = append $errors "externalDatabase.host is required when postgresql.enabled=false (or set secrets.existingSecret)" -}}
{{- end -}}
{{- range $name := $names -}}
{{- $cfg := include "erp.settings" (list $ $name) | fromYaml -}}
{{- if and $cfg.database.enabled (not (index $.Values.secrets.databasePasswords $name)) -}}
{{- $errors = append $errors (printf "secrets.databasePasswords.%s is required when postgresql.enabled=false (or set secrets.existingSecret)" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.host) -}}
{{- $errors = append $errors "externalRedis.host is required when redis.enabled=false (or set secrets.existingSecret)" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.dapr.enabled (not .Values.redis.enabled) (not .Values.externalRedis.host) -}}
{{- $errors = append $errors "externalRedis.host is required for the Dapr components when redis.enabled=false" -}}
{{- end -}}
{{- if and (eq .Values.config.environment "production") (not .Values.secrets.existingSecret) -}}
{{- /* The services' own production rule: ERP_JWT_SECRET and ERP_ADMIN_PASSWORD of 32 characters or more (they also refuse placeholders and low entropy, left to them). */ -}}
{{- range $key, $env := dict "jwtSecret" "ERP_JWT_SECRET" "adminPassword" "ERP_ADMIN_PASSWORD" -}}
{{- $v := index $.Values.secrets $key -}}
{{- if and $v (lt (len $v) 32) -}}
{{- $errors = append $errors (printf "secrets.%s is shorter than 32 characters (%d given): with ERP_ENVIRONMENT=production the services refuse such an %s and exit at start" $key (len $v) $env) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $resources := list (list "migrations.resources" .Values.migrations.resources) -}}
{{- range $name := $names -}}
{{- $resources = append $resources (list (printf "services.%s.resources" $name) (include "erp.settings" (list $ $name) | fromYaml).resources) -}}
{{- end -}}
{{- if .Values.postgresql.enabled -}}
{{- $resources = append $resources (list "postgresql.resources" .Values.postgresql.resources) -}}
{{- end -}}
{{- if .Values.redis.enabled -}}
{{- $resources = append $resources (list "redis.resources" .Values.redis.resources) -}}
{{- end -}}
{{- if .Values.nodeAgent.enabled -}}
{{- $resources = append $resources (list "nodeAgent.resources" .Values.nodeAgent.resources) -}}
{{- end -}}
{{- if .Values.dapr.enabled -}}
{{- $sc := .Values.dapr.sidecar -}}
{{- $resources = append $resources (list "dapr.sidecar" (dict "requests" (dict "cpu" $sc.cpuRequest "memory" $sc.memoryRequest) "limits" (dict "cpu" $sc.cpuLimit "memory" $sc.memoryLimit))) -}}
{{- end -}}
{{- range $item := $resources -}}
{{- $r := index $item 1 -}}
{{- range $kind := list "cpu" "memory" -}}
{{- $req := include "erp.quantity" (index $r.requests $kind) -}}
{{- $lim := include "erp.quantity" (index $r.limits $kind) -}}
{{- if and $req $lim (gt (float64 $req) (float64 $lim)) -}}
{{- $errors = append $errors (printf "%s: the %s request (%v) is above the %s limit (%v); Kubernetes refuses such a pod, so none would start" (index $item 0) $kind (index $r.requests $kind) $kind (index $r.limits $kind)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.redis.enabled -}}
{{- $max := include "erp.quantity" .Values.redis.maxmemory -}}
{{- $lim := include "erp.quantity" .Values.redis.resources.limits.memory -}}
{{- if and $max $lim (ge (float64 $max) (float64 $lim)) -}}
{{- $errors = append $errors (printf "redis.maxmemory (%s) must be below redis.resources.limits.memory (%s): Redis needs room beyond its data (buffers, the append-only rewrite) or it is OOMKilled" .Values.redis.maxmemory (toString .Values.redis.resources.limits.memory)) -}}
{{- end -}}
{{- end -}}
{{- if .Values.postgresql.enabled -}}
{{- $pg := .Values.postgresql -}}
{{- $budget := include "erp.connectionBudget" . | fromJson -}}
{{- $allowed := sub (int $pg.maxConnections) (int $pg.connectionReserve) -}}
{{- if gt (int $budget.total) $allowed -}}
{{- $parts := list -}}
{{- range $budget.services -}}
{{- $parts = append $parts (printf "%s %d pods x %d = %d" .name (int .pods) (int .perPod) (int .connections)) -}}
{{- end -}}
{{- $parts = append $parts (printf "migration Jobs %d" (int $budget.jobs)) -}}
{{- $errors = append $errors (printf "PostgreSQL connections: the release can open %d (%s; per pod: config.dbPoolSize + config.dbMaxOverflow + 1 listener; pods: replicas or autoscaling.maxReplicas, plus rollingUpdate.maxSurge, per Deployment) but postgresql.maxConnections (%d) - postgresql.connectionReserve (%d) allows %d; raise postgresql.maxConnections, lower the pool sizes or the replica counts, or put PgBouncer in front (docs/deployment.md)" (int $budget.total) (join ", " $parts) (int $pg.maxConnections) (int $pg.connectionReserve) $allowed) -}}
{{- end -}}
{{- end -}}
{{- $db := .Values.externalDatabase -}}
{{- if $db.tls.enabled -}}
{{- if .Values.postgresql.enabled -}}
{{- $errors = append $errors "externalDatabase.tls.enabled applies to an external PostgreSQL; set postgresql.enabled=false (the chart's PostgreSQL serves no TLS)" -}}
{{- end -}}
{{- if not $db.tls.existingSecret -}}
{{- $errors = append $errors "externalDatabase.tls.existingSecret is required with externalDatabase.tls.enabled: a Secret holding ca.crt (and tls.crt/tls.key with clientCertificate)" -}}
{{- end -}}
{{- if eq (default $db.sslMode $db.tls.mode) "disable" -}}
{{- $errors = append $errors "externalDatabase.tls.enabled with sslmode disable: set externalDatabase.tls.mode (verify-full checks the certificate and the host name)" -}}
{{- end -}}
{{- else if and $db.tls.clientCertificate (not .Values.postgresql.enabled) -}}
{{- $errors = append $errors "externalDatabase.tls.clientCertificate needs externalDatabase.tls.enabled and tls.existingSecret" -}}
{{- end -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.secrets.existingSecret) (not $db.tls.enabled) (has (default $db.sslMode $db.tls.mode) (list "verify-ca" "verify-full")) -}}
{{- $errors = append $errors (printf "externalDatabase sslmode %s needs the server's CA in the pods: set externalDatabase.tls.enabled and tls.existingSecret (a Secret with ca.crt)" (default $db.sslMode $db.tls.mode)) -}}
{{- end -}}
{{- $phase := .Values.migrations.installPhase -}}
{{- if and (eq $phase "pre-install") (or .Values.postgresql.enabled (not .Values.secrets.existingSecret)) -}}
{{- $errors = append $errors "migrations.installPhase=pre-install needs an external database and secrets.existingSecret: a pre-install hook runs before the chart's PostgreSQL and Secret exist and would wait for them forever; use auto or resource" -}}
{{- end -}}
{{- if .Values.postgresql.enabled -}}
{{- if hasKey .Values.postgresql.parameters "max_connections" -}}
{{- $errors = append $errors "postgresql.parameters.max_connections: set postgresql.maxConnections instead (the connection budget is checked against it)" -}}
{{- end -}}
{{- end -}}
{{- if .Values.redis.enabled -}}
{{- range $k := list "port" "dir" "maxmemory" "requirepass" "appendonly" -}}
{{- if hasKey $.Values.redis.config $k -}}
{{- $errors = append $errors (printf "redis.config.%s is set by the chart (redis.port, redis.maxmemory, the Secret, the data volume); it cannot be overridden here" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $agent := .Values.nodeAgent -}}
{{- if and $agent.enabled (eq (include "erp.nodeAgent.namespace" .) (include "erp.namespace" .)) -}}
{{- if $agent.namespace.create -}}
{{- $errors = append $errors "nodeAgent.namespace.name is the release namespace: set nodeAgent.namespace.create=false to run the node agent there (its Pod Security level must then be privileged), or name a namespace of its own" -}}
{{- else if and .Values.namespace.create (has (index .Values.namespace.labels "pod-security.kubernetes.io/enforce") (list "restricted" "baseline")) -}}
{{- $errors = append $errors (printf "the node agent's hostPath volumes are refused in the release namespace (namespace.labels enforce %s); leave nodeAgent.namespace.name empty for a namespace of its own" (index .Values.namespace.labels "pod-security.kubernetes.io/enforce")) -}}
{{- end -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nerp-system values are invalid:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}
