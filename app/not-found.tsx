import Link from "next/link";

export default function NotFound() {
  return (
    <main className="grid min-h-screen place-items-center p-8 text-center">
      <div>
        <p className="text-sm font-medium text-brand-700">404</p>
        <h1 className="mt-1 text-2xl font-semibold">Page not found</h1>
        <Link href="/" className="mt-4 inline-block text-sm text-brand-700 hover:underline">
          Go to Warrant
        </Link>
      </div>
    </main>
  );
}
