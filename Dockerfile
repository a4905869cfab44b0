# One image for every role (web, worker, cron); the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY config config
COPY service service
COPY workers workers

# The var dir (the web workers' metrics files, the secret key if none is set) and the
# journal's mount point, the app's own: a volume mounted there starts out owned by it, not root.
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/var /journal && chown app:app /app/var /journal
USER app
EXPOSE 8000
CMD ["python", "-m", "service", "web", "--host", "0.0.0.0", "--port", "8000"]
