# One image for every role (web, worker, cron); the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY config config
COPY service service
COPY workers workers

RUN useradd --create-home --uid 10001 app
USER app
EXPOSE 8000
CMD ["python", "-m", "service", "web", "--host", "0.0.0.0", "--port", "8000"]
